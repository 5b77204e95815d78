package wire

import "github.com/dashstream/acceptance/reference/wire/dspb"

// Headered is implemented by every payload message: they all carry Header as field 1.
type Headered interface{ GetHeader() *dspb.Header }

// PayloadOf returns the payload message inside msg, or nil when no payload is set.
func PayloadOf(msg *dspb.DashStreamMessage) Headered {
	switch m := msg.GetMessage().(type) {
	case *dspb.DashStreamMessage_Event:
		return m.Event
	case *dspb.DashStreamMessage_StateDiff:
		return m.StateDiff
	case *dspb.DashStreamMessage_TokenChunk:
		return m.TokenChunk
	case *dspb.DashStreamMessage_ToolExecution:
		return m.ToolExecution
	case *dspb.DashStreamMessage_Checkpoint:
		return m.Checkpoint
	case *dspb.DashStreamMessage_Metrics:
		return m.Metrics
	case *dspb.DashStreamMessage_Error:
		return m.Error
	case *dspb.DashStreamMessage_EventBatch:
		return m.EventBatch
	case *dspb.DashStreamMessage_ExecutionTrace:
		return m.ExecutionTrace
	}
	return nil
}

// HeaderOf returns the header of msg's payload, or nil when msg has no payload or the
// payload has no header.
func HeaderOf(msg *dspb.DashStreamMessage) *dspb.Header {
	p := PayloadOf(msg)
	if p == nil {
		return nil
	}
	return p.GetHeader()
}

// TypeOf returns the MessageType matching msg's payload (not the header's claim).
func TypeOf(msg *dspb.DashStreamMessage) dspb.MessageType {
	switch msg.GetMessage().(type) {
	case *dspb.DashStreamMessage_Event:
		return dspb.MessageType_MESSAGE_TYPE_EVENT
	case *dspb.DashStreamMessage_StateDiff:
		return dspb.MessageType_MESSAGE_TYPE_STATE_DIFF
	case *dspb.DashStreamMessage_TokenChunk:
		return dspb.MessageType_MESSAGE_TYPE_TOKEN_CHUNK
	case *dspb.DashStreamMessage_ToolExecution:
		return dspb.MessageType_MESSAGE_TYPE_TOOL_EXECUTION
	case *dspb.DashStreamMessage_Checkpoint:
		return dspb.MessageType_MESSAGE_TYPE_CHECKPOINT
	case *dspb.DashStreamMessage_Metrics:
		return dspb.MessageType_MESSAGE_TYPE_METRICS
	case *dspb.DashStreamMessage_Error:
		return dspb.MessageType_MESSAGE_TYPE_ERROR
	case *dspb.DashStreamMessage_EventBatch:
		return dspb.MessageType_MESSAGE_TYPE_EVENT_BATCH
	case *dspb.DashStreamMessage_ExecutionTrace:
		return dspb.MessageType_MESSAGE_TYPE_EXECUTION_TRACE
	}
	return dspb.MessageType_MESSAGE_TYPE_UNSPECIFIED
}
