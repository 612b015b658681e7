package sockets

import (
	"os"
	"testing"
)

func TestJudgeAnswer(t *testing.T) {
	timeout := os.ErrDeadlineExceeded
	for _, tc := range []struct {
		answer  string
		readErr error
		want    Kind
	}{
		{"HTTP/1.1 400 Bad Request\r\n", nil, KindHTTP1},
		{"HTTP/1.0 505", nil, KindHTTP1},
		{"HTT", nil, KindPending},
		{"<!DOCTYPE HTML>\n<html>", nil, KindHTTP1},
		{"<!DOC", nil, KindPending},
		{"\x00\x00\x00\x04\x00\x00\x00\x00\x00", nil, KindHTTP2},
		{"\x00\x00\x12\x04\x00\x00\x00\x00\x00", nil, KindHTTP2},
		{"\x00\x00\x00\x04\x00\x00\x00", nil, KindPending},
		{"\x00\x00\x05\x04\x00\x00\x00\x00\x00", nil, KindOther}, // not a whole number of settings
		{"\x00\x00\x00\x04\x00\x00\x00\x00\x01", nil, KindOther}, // SETTINGS on a stream
		{"PRI * HTTP/2.0\r\n\r\nSM", nil, KindOther},
		{"", timeout, KindSilent},
		{"", os.ErrClosed, KindOther},
		{"HT", timeout, KindOther},
		{"hello", os.ErrClosed, KindOther},
	} {
		if got := judgeAnswer([]byte(tc.answer), tc.readErr); got != tc.want {
			t.Errorf("judgeAnswer(%q, %v) = %q, want %q", tc.answer, tc.readErr, got, tc.want)
		}
	}
}
