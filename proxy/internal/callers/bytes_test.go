package callers_test

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

func bytesOf(value types.AttributeValue) []byte {
	if b, ok := value.(*types.AttributeValueMemberB); ok {
		return b.Value
	}
	return nil
}
