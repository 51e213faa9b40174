module github.com/maintenance-gate/maintenance-gate/tests/e2e/functions/go

go 1.26

require github.com/aws/aws-lambda-go v1.55.1
