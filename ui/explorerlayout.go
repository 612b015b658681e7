package ui

// SetSize lays the panes out in w×h: the services above the calls on the
// left, the request above the response on the right.
func (e *explorerPage) SetSize(w, h int) {
	e.width, e.height = w, h
	frameW, frameH := e.styles.Pane.GetFrameSize()
	e.leftWidth = min(max(w/3, 24), 44)
	e.requestHeight = max(8, h*11/20)
	e.servicesHeight = h - min(10, max(4, h/3))
	e.services.SetSize(e.leftWidth-frameW, e.servicesHeight-frameH)
	e.calls.SetSize(e.leftWidth-frameW, h-e.servicesHeight-frameH)
	e.request.SetSize(w-e.leftWidth-frameW, e.requestHeight-frameH)
	e.response.SetSize(w-e.leftWidth-frameW, h-e.requestHeight-frameH)
}

// View draws again only the panes that changed since the last frame.
func (e explorerPage) View() string {
	rw := e.width - e.leftWidth
	services := e.cachedFrame(&e.frames.services, e.services.rev, 0, e.leftWidth, e.servicesHeight, e.focus == focusServices, e.services.View)
	calls := e.cachedFrame(&e.frames.calls, e.calls.rev, 0, e.leftWidth, e.height-e.servicesHeight, e.focus == focusCalls, e.calls.View)
	req := e.cachedFrame(&e.frames.request, e.request.rev, 0, rw, e.requestHeight, e.requestFocused(), e.request.View)
	var shown uint64
	if c := e.response.call; c != nil {
		shown = c.rev
	}
	resp := e.cachedFrame(&e.frames.response, e.response.rev, shown, rw, e.height-e.requestHeight, e.focus == focusResponse, e.response.View)
	return joinColumns(services+"\n"+calls, req+"\n"+resp)
}

func (e explorerPage) help() bindings {
	var b bindings
	switch {
	case e.focus == focusServices:
		b = e.services.help()
	case e.focus == focusResponse:
		b = e.response.help()
	case e.focus == focusCalls:
		b = e.calls.help()
	default:
		b = e.request.help()
	}
	return b
}
