module github.com/maintenance-gate/maintenance-gate/proxy

go 1.26

require github.com/aws/aws-sdk-go-v2/service/dynamodb v1.74.1

require github.com/aws/smithy-go v1.28.9 // indirect
