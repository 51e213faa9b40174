module github.com/maintenance-gate/maintenance-gate/proxy

go 1.26.0

require (
	github.com/aws/aws-sdk-go-v2/service/dynamodb v1.74.1
	golang.org/x/crypto v0.59.0
)

require (
	github.com/aws/smithy-go v1.28.9 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
