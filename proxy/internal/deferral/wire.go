package deferral

import (
	"github.com/maintenance-gate/maintenance-gate/proxy/internal/pyjson"
)

// MarkerKey is wire.MARKER_KEY: the client context's custom key naming the record a
// replayed invocation came from.
const MarkerKey = "maintenance-gate-replay-of"

// clientContext is the Lambda-Runtime-Client-Context header as awslambdaric reads it
// into context.client_context: a JSON object (its "w3c" key taken out), or none.
func clientContext(header string) *pyjson.Object {
	if header == "" {
		return nil
	}
	value, err := pyjson.Decode(header)
	if err != nil {
		return nil
	}
	object, _ := value.(*pyjson.Object)
	if object != nil {
		object.Delete("w3c")
	}
	return object
}

// ReplayedRequestID is wire.replayed_request_id: the original request id when this
// invocation is a replay (its client context carries the marker), else "".
func ReplayedRequestID(clientContextHeader string) string {
	context := clientContext(clientContextHeader)
	custom, _ := context.Get("custom")
	object, ok := custom.(*pyjson.Object)
	if !ok {
		return ""
	}
	marker, _ := object.Get(MarkerKey)
	text, _ := marker.(string)
	return text
}

// clientSlots are awslambdaric's Client.__slots__, in their order.
var clientSlots = []string{"installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"}

// StoredClientContext is the client_context attribute deferrer.client_context_of
// stores for this header: json.dumps of custom, env and client (the client's five
// fields), each only when set; "" when nothing is stored.
func StoredClientContext(clientContextHeader string) string {
	context := clientContext(clientContextHeader)
	if context == nil {
		return ""
	}
	data := pyjson.NewObject()
	if custom, _ := context.Get("custom"); pyjson.Truthy(custom) {
		data.Set("custom", custom)
	}
	if env, _ := context.Get("env"); pyjson.Truthy(env) {
		data.Set("env", env)
	}
	if client, ok := context.Get("client"); ok && client != nil {
		fields, _ := client.(*pyjson.Object)
		slots := pyjson.NewObject()
		for _, slot := range clientSlots {
			value, _ := fields.Get(slot)
			slots.Set(slot, value)
		}
		data.Set("client", slots)
	}
	if data.Len() == 0 {
		return ""
	}
	return pyjson.Dumps(data, pyjson.Default)
}

// StoredIdentity is the identity attribute deferrer.identity_of stores for the
// Lambda-Runtime-Cognito-Identity header; "" when nothing is stored.
func StoredIdentity(cognitoIdentityHeader string) string {
	if cognitoIdentityHeader == "" {
		return ""
	}
	value, err := pyjson.Decode(cognitoIdentityHeader)
	if err != nil {
		return ""
	}
	identity, _ := value.(*pyjson.Object)
	data := pyjson.NewObject()
	if id, _ := identity.Get("cognitoIdentityId"); pyjson.Truthy(id) {
		data.Set("cognito_identity_id", id)
	}
	if pool, _ := identity.Get("cognitoIdentityPoolId"); pyjson.Truthy(pool) {
		data.Set("cognito_identity_pool_id", pool)
	}
	if data.Len() == 0 {
		return ""
	}
	return pyjson.Dumps(data, pyjson.Default)
}
