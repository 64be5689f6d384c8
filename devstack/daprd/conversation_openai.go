//go:build conversation_openai && !allcomponents

// The OpenAI-compatible conversation component (OpenAI, Azure OpenAI, and local servers that
// speak the OpenAI HTTP API), registered the way Dapr's cmd/daprd/components does under
// `allcomponents`, so daprd can carry it without every other component.
package main

import (
	"github.com/dapr/components-contrib/conversation/openai"
	"github.com/dapr/dapr/pkg/components/conversation"
)

func init() {
	conversation.DefaultRegistry.RegisterComponent(openai.NewOpenAI, "openai")
}
