// SPDX-License-Identifier: GPL-2.0-only
/*
 * iSCSI sessions: the table keyed by (InitiatorName, ISID, target), TSIH
 * assignment and session reinstatement (RFC 7143 6.3.5), and the core
 * session (I_T nexus) behind each normal session.
 *
 * The table is global (connections of one initiator may land on different
 * reactors) and guarded by iscsi_global_lock; it is touched at login and
 * when a connection is freed, never per command. One connection per session
 * (no MC/S).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "scst/log.h"
#include "iscsi_priv.h"

static struct iscsi_sess *sess_list;
static uint16_t next_tsih = 1;

static bool key_match(const struct iscsi_sess *s, const char *iname, const uint8_t *isid,
		      const struct scst_target *tgt)
{
	return s->tgt == tgt && !memcmp(s->isid, isid, 6) && !strcmp(s->iname, iname);
}

static struct iscsi_sess *find_key(const char *iname, const uint8_t *isid,
				   const struct scst_target *tgt)
{
	for (struct iscsi_sess *s = sess_list; s; s = s->next)
		if (key_match(s, iname, isid, tgt))
			return s;
	return NULL;
}

static struct iscsi_sess *find_tsih(uint16_t tsih)
{
	for (struct iscsi_sess *s = sess_list; s; s = s->next)
		if (s->tsih == tsih)
			return s;
	return NULL;
}

/* RFC 7143 11.12.6: a non-zero TSIH, unique among live sessions. */
static uint16_t alloc_tsih(void)
{
	for (unsigned tries = 0; tries < 65536; tries++) {
		uint16_t t = next_tsih++;

		if (!next_tsih)
			next_tsih = 1;
		if (t && !find_tsih(t))
			return t;
	}
	return 0;
}

static void list_add(struct iscsi_sess *s)
{
	s->next = sess_list;
	sess_list = s;
	s->listed = true;
}

static void list_del(struct iscsi_sess *s)
{
	struct iscsi_sess **pp;

	for (pp = &sess_list; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	s->listed = false;
}

static void login_fail(struct iscsi_conn *c, uint8_t cls, uint8_t detail)
{
	struct iscsi_pdu_out o;

	memset(&o, 0, sizeof(o));
	memcpy(o.bhs, c->login_rsp, ISCSI_BHS_LEN);
	iscsi_login_reject(c->login, &o, cls, detail);
	iscsi_conn_send_raw(c, o.bhs, o.data, o.data_len, true);
}

void iscsi_session_register_scst(struct iscsi_conn *c)
{
	const uint8_t *isid = iscsi_login_isid(c->login);
	const char *iname = iscsi_login_initiator_name(c->login);
	char port[ISCSI_MAX_NAME + 32];

	/* RFC 7143 4.4.1 / SPC-4 TransportID: iSCSI initiator port name. */
	snprintf(port, sizeof(port), "%s,i,0x%02x%02x%02x%02x%02x%02x", iname, isid[0], isid[1],
		 isid[2], isid[3], isid[4], isid[5]);
	c->sess = scst_session_register(iscsi_login_target(c->login), iname, port, c->r, c);
	if (c->sess)
		c->sess_done = false;
}

/* The session entry is in the table: register the nexus and answer the login. */
static void login_finish(struct iscsi_conn *c)
{
	struct iscsi_pdu_out o;

	memset(&o, 0, sizeof(o));
	memcpy(o.bhs, c->login_rsp, ISCSI_BHS_LEN);
	iscsi_login_set_tsih(&o, c->isess->tsih);
	memcpy(c->login_rsp, o.bhs, ISCSI_BHS_LEN);
	if (iscsi_login_session_type(c->login) == ISCSI_SESSION_NORMAL) {
		iscsi_session_register_scst(c);
		if (!c->sess) {
			scst_log(LOG_ERR, "iscsi: %s: cannot open a session: %s", c->peer, strerror(errno));
			login_fail(c, ISCSI_LOGIN_STATUS_TARGET_ERR,
				   ISCSI_LOGIN_DETAIL_OUT_OF_RESOURCES);
			return;
		}
	}
	iscsi_conn_send_login_final(c);
}

static void reinstate_continue(void *arg)
{
	struct iscsi_conn *c = arg;
	struct iscsi_sess *s = c->isess;
	bool go;

	pthread_mutex_lock(&iscsi_global_lock);
	c->posted_refs--;
	c->waiting_reinstate = false;
	go = !c->closing && !find_key(s->iname, s->isid, s->tgt);
	if (go)
		list_add(s);
	pthread_mutex_unlock(&iscsi_global_lock);
	if (c->closing) {
		iscsi_conn_maybe_free(c);
		return;
	}
	if (!go) {
		/* Another login of the same nexus won the race. */
		login_fail(c, ISCSI_LOGIN_STATUS_TARGET_ERR, ISCSI_LOGIN_DETAIL_SERVICE_UNAVAILABLE);
		return;
	}
	login_finish(c);
}

void iscsi_session_login_done(struct iscsi_conn *c)
{
	struct iscsi_login *l = c->login;
	const char *iname = iscsi_login_initiator_name(l);
	const uint8_t *isid = iscsi_login_isid(l);
	struct scst_target *tgt = iscsi_login_target(l);
	uint16_t want = iscsi_login_tsih_requested(l);
	struct iscsi_sess *old, *s;

	if (!iname)
		iname = "";
	pthread_mutex_lock(&iscsi_global_lock);
	if (want) {
		/* RFC 7143 6.3.1: a non-zero TSIH adds a connection; we have no MC/S. */
		old = find_tsih(want);
		pthread_mutex_unlock(&iscsi_global_lock);
		if (old && key_match(old, iname, isid, tgt))
			login_fail(c, ISCSI_LOGIN_STATUS_INITIATOR_ERR,
				   ISCSI_LOGIN_DETAIL_TOO_MANY_CONNECTIONS);
		else
			login_fail(c, ISCSI_LOGIN_STATUS_INITIATOR_ERR,
				   ISCSI_LOGIN_DETAIL_SESSION_DOES_NOT_EXIST);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (s)
		s->tsih = alloc_tsih();
	if (!s || !s->tsih) {
		pthread_mutex_unlock(&iscsi_global_lock);
		free(s);
		login_fail(c, ISCSI_LOGIN_STATUS_TARGET_ERR, ISCSI_LOGIN_DETAIL_OUT_OF_RESOURCES);
		return;
	}
	snprintf(s->iname, sizeof(s->iname), "%s", iname);
	memcpy(s->isid, isid, 6);
	s->tgt = tgt;
	s->conn = c;
	c->isess = s;
	old = find_key(iname, isid, tgt);
	if (!old) {
		list_add(s);
		pthread_mutex_unlock(&iscsi_global_lock);
		login_finish(c);
		return;
	}
	if (old->waiter) {
		pthread_mutex_unlock(&iscsi_global_lock);
		login_fail(c, ISCSI_LOGIN_STATUS_TARGET_ERR, ISCSI_LOGIN_DETAIL_SERVICE_UNAVAILABLE);
		return;
	}
	/* RFC 7143 6.3.5: session reinstatement. The old connection closes, its
	 * tasks are aborted by the core (nexus loss); the new login completes once
	 * the old session is gone. */
	scst_log(LOG_INFO, "iscsi: %s: reinstating session tsih %u", c->peer, old->tsih);
	old->waiter = c;
	c->posted_refs++;
	c->waiting_reinstate = true;
	if (old->conn)
		iscsi_conn_post_close_locked(old->conn);
	pthread_mutex_unlock(&iscsi_global_lock);
}

void iscsi_session_conn_gone(struct iscsi_conn *c)
{
	struct iscsi_sess *s = c->isess;
	struct iscsi_conn *w = NULL;

	if (!s)
		return;
	pthread_mutex_lock(&iscsi_global_lock);
	if (s->listed)
		list_del(s);
	s->conn = NULL;
	w = s->waiter;
	s->waiter = NULL;
	if (w && scst_reactor_post(w->r, reinstate_continue, w)) {
		/* Cannot wake it: it times out in login. */
		w->posted_refs--;
		w->waiting_reinstate = false;
	}
	pthread_mutex_unlock(&iscsi_global_lock);
	c->isess = NULL;
	free(s);
}
