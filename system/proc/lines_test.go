package proc

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLastLines(t *testing.T) {
	assert.Equal(t, "b\nc", LastLines("a\nb\nc\n", 2))
	assert.Equal(t, "a\nb", LastLines("a\nb", 5))
	assert.Equal(t, "", LastLines("", 3))
	assert.Equal(t, "", LastLines("a\nb\n", 0))
}
