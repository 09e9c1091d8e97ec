/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Service hints: the IANA / nmap-services name of a well-known port, and the
 * service a server announces in its first bytes (SSH, SMTP, FTP, POP3, IMAP,
 * VNC, MySQL speak first). A hint, never proof: anything can listen anywhere.
 * The table is built in, not read from /etc/services, so output does not
 * depend on the machine.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scan/scan.h"
#include "base/banned.h"

struct svc {
	unsigned short port;
	const char *name;
};

/* sorted by port */
static const struct svc tcp_svcs[] = {
	{ 7, "echo" },		{ 9, "discard" },	 { 13, "daytime" },
	{ 21, "ftp" },		{ 22, "ssh" },		 { 23, "telnet" },
	{ 25, "smtp" },		{ 37, "time" },		 { 43, "whois" },
	{ 53, "domain" },	{ 79, "finger" },	 { 80, "http" },
	{ 88, "kerberos-sec" }, { 110, "pop3" },	 { 111, "rpcbind" },
	{ 113, "ident" },	{ 119, "nntp" },	 { 135, "msrpc" },
	{ 139, "netbios-ssn" }, { 143, "imap" },	 { 179, "bgp" },
	{ 389, "ldap" },	{ 443, "https" },	 { 445, "microsoft-ds" },
	{ 465, "smtps" },	{ 512, "exec" },	 { 513, "login" },
	{ 514, "shell" },	{ 515, "printer" },	 { 548, "afp" },
	{ 554, "rtsp" },	{ 587, "submission" },	 { 631, "ipp" },
	{ 636, "ldapssl" },	{ 873, "rsync" },	 { 990, "ftps" },
	{ 993, "imaps" },	{ 995, "pop3s" },	 { 1080, "socks" },
	{ 1194, "openvpn" },	{ 1433, "ms-sql-s" },	 { 1521, "oracle" },
	{ 1723, "pptp" },	{ 1883, "mqtt" },	 { 2049, "nfs" },
	{ 2375, "docker" },	{ 2379, "etcd-client" }, { 2380, "etcd-server" },
	{ 3128, "squid-http" }, { 3306, "mysql" },	 { 3389, "ms-wbt-server" },
	{ 4369, "epmd" },	{ 5432, "postgresql" },	 { 5672, "amqp" },
	{ 5900, "vnc" },	{ 5984, "couchdb" },	 { 5985, "wsman" },
	{ 5986, "wsmans" },	{ 6379, "redis" },	 { 8000, "http-alt" },
	{ 8008, "http" },	{ 8080, "http-proxy" },	 { 8443, "https-alt" },
	{ 9000, "cslistener" }, { 9418, "git" },	 { 11211, "memcache" },
	{ 27017, "mongod" },
};

static const struct svc udp_svcs[] = {
	{ 53, "domain" },      { 67, "dhcps" },	      { 68, "dhcpc" },	      { 69, "tftp" },
	{ 123, "ntp" },	       { 137, "netbios-ns" }, { 138, "netbios-dgm" }, { 161, "snmp" },
	{ 162, "snmptrap" },   { 500, "isakmp" },     { 514, "syslog" },      { 520, "route" },
	{ 1194, "openvpn" },   { 1900, "upnp" },      { 4500, "nat-t-ike" },  { 5353, "zeroconf" },
	{ 11211, "memcache" },
};

static int svc_cmp(const void *k, const void *e)
{
	unsigned port = *(const unsigned *)k;
	const struct svc *s = e;
	return port < s->port ? -1 : port > s->port;
}

const char *scan_service_name(enum scan_proto p, unsigned port)
{
	const struct svc *tab = p == SCAN_UDP ? udp_svcs : tcp_svcs;
	size_t n = p == SCAN_UDP ? sizeof(udp_svcs) / sizeof(udp_svcs[0])
				 : sizeof(tcp_svcs) / sizeof(tcp_svcs[0]);
	const struct svc *s = bsearch(&port, tab, n, sizeof(*tab), svc_cmp);
	return s ? s->name : NULL;
}

static int has_word(const unsigned char *buf, size_t len, const char *w)
{
	size_t n = strlen(w);
	for (size_t i = 0; i + n <= len; i++)
		if (!strncasecmp((const char *)buf + i, w, n))
			return 1;
	return 0;
}

const char *scan_service_from_banner(const unsigned char *buf, size_t len)
{
	if (len >= 4 && !memcmp(buf, "SSH-", 4))
		return "ssh";
	if (len >= 4 && !memcmp(buf, "RFB ", 4))
		return "vnc";
	if (len >= 3 && !memcmp(buf, "+OK", 3))
		return "pop3";
	if (len >= 4 && !memcmp(buf, "* OK", 4))
		return "imap";
	if (len >= 4 && !memcmp(buf, "220", 3) && (buf[3] == ' ' || buf[3] == '-')) {
		if (has_word(buf, len, "SMTP"))
			return "smtp";
		if (has_word(buf, len, "FTP"))
			return "ftp";
		return NULL;
	}
	/* MySQL greets with a packet: 3-byte length (a short one), sequence 0,
	 * protocol 10, then the version as text */
	if (len >= 6 && buf[2] == 0 && buf[3] == 0 && buf[4] == 0x0a && buf[5] >= '0' &&
	    buf[5] <= '9')
		return "mysql";
	return NULL;
}
