package sockets

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// HealthSummary is a socket's grpc.health.v1 answers in one line, for
// listings: the server's own status ("-" when it has none) and, by status,
// up to three services that are neither SERVING nor SERVICE_UNKNOWN (the
// normal answers, not worth the width). Empty when nothing was checked.
func HealthSummary(health map[string]string) string {
	if len(health) == 0 {
		return ""
	}
	const shownNames = 3
	overall, ok := health[""]
	if !ok {
		overall = "-"
	}
	byStatus := make(map[string][]string)
	for name, st := range health {
		if name != "" {
			byStatus[st] = append(byStatus[st], name)
		}
	}
	if len(byStatus) == 0 {
		return "health " + overall
	}
	statuses := make([]string, 0, len(byStatus))
	for st := range byStatus {
		statuses = append(statuses, st)
	}
	// SERVING first, SERVICE_UNKNOWN next, then the ones worth naming.
	rank := func(st string) int {
		switch st {
		case "SERVING":
			return 0
		case "SERVICE_UNKNOWN":
			return 1
		}
		return 2
	}
	slices.SortFunc(statuses, func(a, b string) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	// Serving services and those the health server does not track are the
	// normal case: only the others are worth the row's width.
	var per []string
	for _, st := range statuses {
		names := byStatus[st]
		if rank(st) < 2 {
			continue
		}
		slices.Sort(names)
		shown := names[:min(len(names), shownNames)]
		entry := st + " " + strings.Join(shown, " ")
		if len(names) > shownNames {
			entry += fmt.Sprintf(" +%d more", len(names)-shownNames)
		}
		per = append(per, entry)
	}
	if len(per) == 0 {
		return "health " + overall
	}
	return "health " + overall + " (" + strings.Join(per, ", ") + ")"
}
