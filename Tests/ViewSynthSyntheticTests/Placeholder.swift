// Tests for ViewSynthSynthetic land with its issue.
