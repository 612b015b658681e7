package ui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"sockscope/client"
	"sockscope/reflection"
)

// commandLines renders a request as a sockscope command line and the grpcurl
// equivalent, so what was explored can be scripted.
func commandLines(address, method string, req savedRequest, start Headers, authority string) (ours, grpcurl string) {
	headerArgs := start.Args
	body := string(client.CompactJSON([]byte(req.body)))
	var headers []string
	for _, line := range strings.Split(req.metadata, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			headers = append(headers, line)
		}
	}
	deadline := strings.TrimSpace(req.deadline)

	o := []string{"sockscope", "--call", method}
	if body != "" && body != "{}" {
		o = append(o, "-d", shellQuote(body))
	}
	for i := 0; i+1 < len(headerArgs); i += 2 {
		o = append(o, headerArgs[i], shellQuote(headerArgs[i+1]))
	}
	if start.Expand {
		o = append(o, "--expand-headers")
	}
	for _, h := range headers {
		o = append(o, "-H", shellQuote(h))
	}
	if deadline != "" && deadline != "none" {
		o = append(o, "--max-time", deadline)
	}
	if authority != "" {
		o = append(o, "--authority", shellQuote(authority))
	}
	o = append(o, shellQuote(address))

	g := []string{"grpcurl", "-plaintext"}
	if body != "" {
		g = append(g, "-d", shellQuote(body))
	}
	var unread []string
	for i := 0; i+1 < len(headerArgs); i += 2 {
		if strings.HasPrefix(headerArgs[i+1], "@") {
			// grpcurl takes no header files; the secret stays where it is.
			unread = append(unread, headerArgs[i]+" "+headerArgs[i+1])
			continue
		}
		g = append(g, "-"+strings.TrimLeft(headerArgs[i], "-"), shellQuote(headerArgs[i+1]))
	}
	if start.Expand {
		g = append(g, "-expand-headers")
	}
	for _, h := range headers {
		g = append(g, "-H", shellQuote(h))
	}
	if deadline != "" && deadline != "none" {
		g = append(g, "-max-time", deadline)
	}
	if authority != "" {
		g = append(g, "-authority", shellQuote(authority))
	}
	if t, err := client.ParseAddress(address); err == nil && t.Network == "unix" {
		g = append(g, "-unix", shellQuote(t.Address))
	} else {
		g = append(g, shellQuote(address))
	}
	g = append(g, method)
	grpcurl = strings.Join(g, " ")
	if len(unread) > 0 {
		grpcurl += "  # and the headers of " + strings.Join(unread, ", ") + ": grpcurl reads none from files"
	}
	return strings.Join(o, " "), grpcurl
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("@%+=:,./-_", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func (e explorerPage) describeSelected() (explorerPage, tea.Cmd) {
	md := e.services.selected()
	if md == nil {
		return e, nil
	}
	text, err := reflection.Describe(md)
	if err != nil {
		return e, errCmd(fmt.Errorf("describe: %w", err))
	}
	return e, e.response.showDescribe(text)
}

// copyCommand shows the request as sockscope and grpcurl command lines and
// copies the sockscope one to the clipboard (OSC 52).
func (e explorerPage) copyCommand() (explorerPage, tea.Cmd) {
	md := e.services.selected()
	if md == nil {
		return e, nil
	}
	ours, theirs := commandLines(e.address, reflection.MethodName(md), e.request.saved(), e.opts.Headers, e.opts.Session.Authority)
	text := "sockscope:\n" + ours + "\n\ngrpcurl:\n" + theirs + "\n\n(the sockscope line is on the clipboard)"
	return e, tea.Batch(e.response.showText("Command lines", newOwnDocument(text)), tea.SetClipboard(ours))
}
