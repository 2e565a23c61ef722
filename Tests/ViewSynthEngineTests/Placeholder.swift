// Tests for ViewSynthEngine land with its issue.
