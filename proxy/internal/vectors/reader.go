package vectors

import "strings"

func stringReader(text string) *strings.Reader { return strings.NewReader(text) }
