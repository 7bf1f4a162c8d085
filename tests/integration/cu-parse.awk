# Turn iscsi-test-cu -v output (run unbuffered) into lines "PASS|FAIL|SKIP Suite.Test".
# CUnit reports a skipped test as passed; a [SKIPPED] line printed between
# "Test: X ..." and the result word makes it a skip here. Text after the
# result word on the same line comes from the test's teardown and is ignored.
function result(word) {
	if (word == "passed")
		print (skipped ? "SKIP " : "PASS ") suite "." test
	else
		print "FAIL " suite "." test
	done = 1
}
function scan(s) {
	if (s ~ /^passed/) { result("passed"); return }
	if (s ~ /^FAILED/) { result("FAILED"); return }
	if (s ~ /\[SKIPPED\]/) skipped = 1
}
/^Suite: / { suite = $2; test = ""; next }
/^  Test: / {
	test = $2; skipped = 0; done = 0
	rest = $0
	sub(/^  Test: [^ ]+ \.\.\./, "", rest)
	scan(rest)
	next
}
{ if (test != "" && !done) scan($0) }
