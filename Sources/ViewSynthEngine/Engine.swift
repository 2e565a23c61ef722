// The neural-network engine (issue #5) lives here.
