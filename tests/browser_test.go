package tests

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A web page in a browser on the agent's host is a loopback client. From
// another loopback origin it tries every way a page has to send a request —
// fetch in cors and no-cors mode, a preflighted fetch, an image, a form
// POST and a navigation — at the signing gateway: the fake AWS receives
// nothing, and each attempt is counted as refused for "browser".
func TestBrowsersCannotUseTheGateway(t *testing.T) {
	chromium := lookChromium(t)
	h := newHarness(t)
	f := newFakeAWSEndpoints(t, h.keys)
	h.start(f.authBlock("amp", ""))
	target := "http://" + h.agent.Addr + "/api/v0/component/aws.auth.amp/" + ampHost + ampPath
	eventually(t, 15*time.Second, "the gateway answers", func() bool {
		resp, err := http.Post(target, "application/x-protobuf", strings.NewReader("warm"))
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode != http.StatusNotFound
	})
	accepted, _ := f.amp.Endpoint.Counts()
	targets := len(f.proxy.Targets())

	page := h.serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html><body>
<img src="%[1]s?img">
<iframe name="sink"></iframe>
<form id="form" method="POST" action="%[1]s" target="sink" enctype="text/plain"><input name="a" value="b"></form>
<script>
(async () => {
	const results = [];
	for (const mode of ["cors", "no-cors"]) {
		try { const r = await fetch(%[2]q, {method: "POST", mode, body: "x"}); results.push(mode + ":" + r.status); }
		catch (e) { results.push(mode + ":error"); }
	}
	try { await fetch(%[2]q, {method: "POST", headers: {"X-Custom": "1"}, body: "x"}); results.push("preflighted:sent"); }
	catch (e) { results.push("preflighted:error"); }
	document.querySelector("iframe").onload = () => { window.formDone = true; };
	document.getElementById("form").submit();
	window.done = results.join(",");
})();
</script></body></html>`, target, target)
	}))

	bctx := newBrowser(t, chromium)
	var results string
	err := chromedp.Run(bctx,
		chromedp.Navigate(page),
		chromedp.Poll(`window.done !== undefined && window.formDone === true`, nil, chromedp.WithPollingTimeout(30*time.Second)),
		chromedp.Evaluate(`window.done`, &results),
		chromedp.Navigate(target),
	)
	if err != nil {
		t.Fatalf("browsing: %v", err)
	}
	// The page could read nothing: cors failed, no-cors is opaque (status 0).
	if results != "cors:error,no-cors:0,preflighted:error" {
		t.Fatalf("what the page saw: %s", results)
	}
	// Six attempts: two fetches, one preflight (its request never follows),
	// the image, the form and the navigation.
	eventually(t, 15*time.Second, "six refusals for browser", func() bool {
		return gatewayRefusals(h, "aws.auth.amp")["browser"] >= 6
	})
	if now, _ := f.amp.Endpoint.Counts(); now != accepted || len(f.proxy.Targets()) != targets {
		t.Fatalf("a browser's request reached AWS: accepted %d -> %d, upstream connections %d -> %d", accepted, now, targets, len(f.proxy.Targets()))
	}
	if _, rejected := f.amp.Endpoint.Counts(); len(rejected) != 0 {
		t.Fatalf("AWS rejected requests: %v", rejected)
	}
}
