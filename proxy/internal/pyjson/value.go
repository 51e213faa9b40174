// Package pyjson reads and writes JSON exactly as Python's json module does.
//
// The Go proxy must answer, store and report an event exactly as the Python gate
// would: the same stored bytes (and so the same digest), the same error messages
// (positions counted in characters, as Python counts them) and the same repr of a
// bad value. encoding/json differs from Python on every one of these, so the
// gate's few JSON needs are met here, following CPython's Modules/_json.c.
//
// Values are nil, bool, Int, float64, string, []Value and *Object. Strings are held
// in WTF-8: a lone surrogate, which Python's json reads from a \uD800 escape, is
// kept as its three-byte form, so it survives a round trip as it does in Python.
package pyjson

// Value is one decoded JSON value: nil, bool, Int, float64, string, []Value or *Object.
type Value = any

// Int is a JSON integer, kept as its decimal text: Python's ints have no size limit.
type Int string

// Object is a JSON object in insertion order. As in a Python dict, a repeated key keeps
// its first position and its last value.
type Object struct {
	Keys   []string
	Values map[string]Value
}

// NewObject is an empty object.
func NewObject() *Object {
	return &Object{Values: map[string]Value{}}
}

// Set adds or replaces a key, keeping the position of its first appearance.
func (o *Object) Set(key string, value Value) *Object {
	if _, ok := o.Values[key]; !ok {
		o.Keys = append(o.Keys, key)
	}
	o.Values[key] = value
	return o
}

// Get is dict.get: the value and whether the key is present.
func (o *Object) Get(key string) (Value, bool) {
	if o == nil {
		return nil, false
	}
	value, ok := o.Values[key]
	return value, ok
}

// Has is Python's "key in dict".
func (o *Object) Has(key string) bool {
	_, ok := o.Get(key)
	return ok
}

// Delete removes a key, as dict.pop does.
func (o *Object) Delete(key string) {
	if _, ok := o.Values[key]; !ok {
		return
	}
	delete(o.Values, key)
	for i, k := range o.Keys {
		if k == key {
			o.Keys = append(o.Keys[:i:i], o.Keys[i+1:]...)
			break
		}
	}
}

// Len is len(dict).
func (o *Object) Len() int {
	if o == nil {
		return 0
	}
	return len(o.Keys)
}

// Truthy is Python's bool(value): None, False, 0, 0.0, "" and empty containers are false.
func Truthy(value Value) bool {
	switch v := value.(type) {
	case nil:
		return false
	case bool:
		return v
	case Int:
		return v != "0"
	case float64:
		return v != 0
	case string:
		return v != ""
	case []Value:
		return len(v) > 0
	case *Object:
		return v.Len() > 0
	}
	return true
}
