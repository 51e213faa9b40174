// Package vectors loads the shared test vectors, tests/vectors/*.json, which
// tests/vectors/generate.py writes from the Python gate. The Go tests read the same
// files as the Python tests and must reach the same answers.
package vectors

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Dir finds tests/vectors by walking up from the working directory (a package's
// folder under go test).
func Dir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, "tests", "vectors")
		if info, err := os.Stat(candidate); err == nil && info.IsDir() {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("tests/vectors not found above the working directory")
		}
		dir = parent
	}
}

// Load decodes tests/vectors/<name> into v; a missing or unreadable file fails the test.
func Load(t testing.TB, name string, v any) {
	t.Helper()
	dir, err := Dir()
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// Canonical is a JSON text re-encoded with sorted keys, so two texts that Python would
// read as equal values compare equal as strings.
func Canonical(t testing.TB, text string) string {
	t.Helper()
	var value any
	decoder := json.NewDecoder(stringReader(text))
	decoder.UseNumber()
	if err := decoder.Decode(&value); err != nil {
		t.Fatalf("not JSON: %v: %q", err, text)
	}
	out, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// CanonicalValue is Canonical of an already-decoded vector value.
func CanonicalValue(t testing.TB, value any) string {
	t.Helper()
	out, err := json.Marshal(value)
	if err != nil {
		t.Fatal(err)
	}
	return Canonical(t, string(out))
}

// Item is a DynamoDB item as the vectors write it: {"attribute": {"S"|"N"|"B": text}},
// binary as base64.
type Item map[string]map[string]string

// ItemOf is a Go item in the vectors' form.
func ItemOf(t testing.TB, item map[string]types.AttributeValue) Item {
	t.Helper()
	out := Item{}
	for name, value := range item {
		switch v := value.(type) {
		case *types.AttributeValueMemberS:
			out[name] = map[string]string{"S": v.Value}
		case *types.AttributeValueMemberN:
			out[name] = map[string]string{"N": v.Value}
		case *types.AttributeValueMemberB:
			out[name] = map[string]string{"B": base64.StdEncoding.EncodeToString(v.Value)}
		default:
			t.Fatalf("attribute %s: unexpected type %T", name, value)
		}
	}
	return out
}

// AttributeValues is a vector's item as the SDK's attribute values.
func AttributeValues(t testing.TB, item Item) map[string]types.AttributeValue {
	t.Helper()
	out := map[string]types.AttributeValue{}
	for name, value := range item {
		for kind, text := range value {
			switch kind {
			case "S":
				out[name] = &types.AttributeValueMemberS{Value: text}
			case "N":
				out[name] = &types.AttributeValueMemberN{Value: text}
			case "B":
				data, err := base64.StdEncoding.DecodeString(text)
				if err != nil {
					t.Fatal(err)
				}
				out[name] = &types.AttributeValueMemberB{Value: data}
			default:
				t.Fatalf("attribute %s: unexpected kind %s", name, kind)
			}
		}
	}
	return out
}
