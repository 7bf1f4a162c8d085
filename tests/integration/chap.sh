#!/bin/bash
# CHAP (RFC 7143 12.1.3) with libiscsi as the initiator: one-way and mutual,
# right and wrong secrets, and a target without IncomingUser refuses nobody.
. "$(dirname "$0")/lib.sh"

cat >"$TMPD/scst.conf" <<CONF
HANDLER vdisk_nullio {
	DEVICE null0 {
		size 67108864
	}
}
TARGET_DRIVER iscsi {
	TARGET iqn.2026-11.org.scst:open {
		LUN 0 null0
		enabled 1
	}
	TARGET iqn.2026-11.org.scst:chap {
		IncomingUser "alice alicesecret123"
		LUN 0 null0
		enabled 1
	}
	TARGET iqn.2026-11.org.scst:mutual {
		IncomingUser "bob bobsecret12345"
		OutgoingUser "tgt targetsecret99"
		LUN 0 null0
		enabled 1
	}
}
CONF
start_scstd "$TMPD/scst.conf" || { not_ok "scstd starts"; exit 1; }
H=127.0.0.1:$PORT
inq() { iscsi-inq "$1" >"$TMPD/inq.out" 2>&1 && grep -q "Peripheral Device Type:DIRECT_ACCESS" "$TMPD/inq.out"; }
fails() { ! inq "$1"; }

check "no IncomingUser: login without CHAP" inq "iscsi://$H/iqn.2026-11.org.scst:open/0"
check "no IncomingUser: login with CHAP credentials offered still works" inq "iscsi://x%anysecret1234@$H/iqn.2026-11.org.scst:open/0"
check "one-way CHAP, right secret" inq "iscsi://alice%alicesecret123@$H/iqn.2026-11.org.scst:chap/0"
check "one-way CHAP, wrong secret is refused" fails "iscsi://alice%wrongsecret99@$H/iqn.2026-11.org.scst:chap/0"
check "one-way CHAP, wrong user is refused" fails "iscsi://mallory%alicesecret123@$H/iqn.2026-11.org.scst:chap/0"
check "one-way CHAP, no credentials is refused" fails "iscsi://$H/iqn.2026-11.org.scst:chap/0"
check "mutual CHAP, both secrets right" inq "iscsi://bob%bobsecret12345@$H/iqn.2026-11.org.scst:mutual/0?target_user=tgt&target_password=targetsecret99"
check "mutual CHAP, wrong target secret is refused by the initiator" fails "iscsi://bob%bobsecret12345@$H/iqn.2026-11.org.scst:mutual/0?target_user=tgt&target_password=notthesecret1"
check "mutual CHAP, wrong initiator secret is refused" fails "iscsi://bob%bobsecret00000@$H/iqn.2026-11.org.scst:mutual/0?target_user=tgt&target_password=targetsecret99"
if grep -q "alicesecret123\|bobsecret12345\|targetsecret99" "$TMPD/scstd.log"; then not_ok "secrets never appear in the log"; else ok "secrets never appear in the log"; fi
scstd_alive && ok "scstd still serving" || not_ok "scstd still serving"
stop_scstd
check_sanitizers
