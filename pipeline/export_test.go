package pipeline

// CountOutcomeForTest is countOutcome for the tests of package pipeline_test.
var CountOutcomeForTest = countOutcome
