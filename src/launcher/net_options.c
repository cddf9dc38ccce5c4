/*
 * net_options.c - parse the values of --net= and --tunnet=.
 */
#include "net_options.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *option, const char *arg,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* One line: "--net=ARG: what is wrong". */
static int fail(char *err, size_t errlen, const char *option, const char *arg,
		const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "--%s=%s: %s", option, arg ? arg : "", what);
	return -1;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int net_options__parse_mac(const char *text, size_t len,
			   uint8_t mac[NET_ETH_ADDR_LEN])
{
	uint8_t out[NET_ETH_ADDR_LEN];
	bool all_zero = true;

	/* Six pairs of hex digits, five colons: 17 characters. */
	if (len != 3 * NET_ETH_ADDR_LEN - 1)
		return -1;
	for (unsigned i = 0; i < NET_ETH_ADDR_LEN; i++) {
		int hi = hex_digit(text[3 * i]), lo = hex_digit(text[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < NET_ETH_ADDR_LEN - 1 && text[3 * i + 2] != ':'))
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
		all_zero = all_zero && out[i] == 0;
	}
	/* Bit 0 of the first byte makes it a group address: not a card's. */
	if (all_zero || (out[0] & 1))
		return -1;
	memcpy(mac, out, NET_ETH_ADDR_LEN);
	return 0;
}

/* A dotted IPv4 address of exactly len characters, in host byte order. */
static int parse_ipv4(const char *text, size_t len, uint32_t *addr)
{
	char buf[INET_ADDRSTRLEN];
	struct in_addr in;

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	*addr = ntohl(in.s_addr);
	return 0;
}

/* A port number from 1 to 65535, exactly len characters. */
static int parse_port(const char *text, size_t len, uint16_t *port)
{
	uint32_t value = 0;

	if (len == 0 || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return -1;
		value = value * 10 + (uint32_t)(text[i] - '0');
	}
	if (value < 1 || value > 65535)
		return -1;
	*port = (uint16_t)value;
	return 0;
}

/*
 * PROTO:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT, exactly len characters;
 * NULL, or what is wrong.
 */
static const char *parse_hostfwd(const char *text, size_t len,
				 struct net_hostfwd *fwd)
{
	const char *end = text + len, *colon, *dash, *second;
	uint32_t host_addr = NET_HOST_LOOPBACK;

	*fwd = (struct net_hostfwd){ .guest_addr = NET_USER_GUEST };
	colon = memchr(text, ':', len);
	if (!colon)
		return "expected hostfwd=tcp::HOSTPORT-:GUESTPORT";
	if (colon - text == 3 && strncmp(text, "udp", 3) == 0)
		fwd->udp = true;
	else if (colon - text != 3 || strncmp(text, "tcp", 3) != 0)
		return "hostfwd: the protocol is tcp or udp";

	second = memchr(colon + 1, ':', (size_t)(end - colon - 1));
	dash = second ? memchr(second, '-', (size_t)(end - second)) : NULL;
	if (!second || !dash)
		return "expected hostfwd=tcp::HOSTPORT-:GUESTPORT";
	if (second > colon + 1 &&
	    parse_ipv4(colon + 1, (size_t)(second - colon - 1), &host_addr) < 0)
		return "hostfwd: the host address is not an IPv4 address";
	if (host_addr != NET_HOST_LOOPBACK)
		return "hostfwd listens on 127.0.0.1 only (leave the host address "
		       "empty)";
	if (parse_port(second + 1, (size_t)(dash - second - 1), &fwd->host_port) < 0)
		return "hostfwd: the host port is a number from 1 to 65535";

	const char *guest = dash + 1;
	const char *guest_colon = memchr(guest, ':', (size_t)(end - guest));

	if (!guest_colon)
		return "expected hostfwd=tcp::HOSTPORT-:GUESTPORT";
	if (guest_colon > guest &&
	    parse_ipv4(guest, (size_t)(guest_colon - guest), &fwd->guest_addr) < 0)
		return "hostfwd: the guest address is not an IPv4 address";
	if ((fwd->guest_addr & NET_USER_NETMASK) != NET_USER_NETWORK)
		return "hostfwd: the guest address must be in 10.0.2.0/24";
	if (parse_port(guest_colon + 1, (size_t)(end - guest_colon - 1),
		       &fwd->guest_port) < 0)
		return "hostfwd: the guest port is a number from 1 to 65535";
	return NULL;
}

int net_options__parse_user(const char *arg, struct net_user_options *options,
			    char *err, size_t errlen)
{
	const char *p;

	*options = (struct net_user_options){ 0 };
	if (!arg || strncmp(arg, "user", 4) != 0 || (arg[4] && arg[4] != ','))
		return fail(err, errlen, "net", arg,
			    "the only network is 'user' (a TAP device is --tunnet=)");

	for (p = arg + 4; *p; ) {
		const char *item = p + 1; /* past the comma */
		const char *next = strchr(item, ',');
		size_t len = next ? (size_t)(next - item) : strlen(item);

		p = item + len;
		if (len > 8 && strncmp(item, "hostfwd=", 8) == 0) {
			const char *why;

			if (options->nr_hostfwd == NET_MAX_HOSTFWD)
				return fail(err, errlen, "net", arg,
					    "at most %u hostfwd", NET_MAX_HOSTFWD);
			why = parse_hostfwd(item + 8, len - 8,
					    &options->hostfwd[options->nr_hostfwd]);
			if (why)
				return fail(err, errlen, "net", arg, "%s", why);
			options->nr_hostfwd++;
		} else if (len > 4 && strncmp(item, "mac=", 4) == 0) {
			if (net_options__parse_mac(item + 4, len - 4, options->mac) < 0)
				return fail(err, errlen, "net", arg,
					    "mac= takes a unicast address like "
					    "52:54:00:12:34:56");
			options->has_mac = true;
		} else {
			return fail(err, errlen, "net", arg,
				    "unknown setting '%.*s' (hostfwd=, mac=)", (int)len,
				    item);
		}
	}
	return 0;
}

/* An interface name: 1 to 15 characters, no '/', ':' or white space. */
static bool valid_ifname(const char *name, size_t len)
{
	if (len == 0 || len >= NET_IFNAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]))
			return false;
	return true;
}

int net_options__parse_tap(const char *arg, struct net_tap_options *options,
			   char *err, size_t errlen)
{
	const char *what, *colon;
	size_t len;

	*options = (struct net_tap_options){ 0 };
	if (!arg || !*arg)
		return fail(err, errlen, "tunnet", arg,
			    "expected IPV4[:MAC] or bridge:NAME[:MAC]");
	what = arg;
	if (strncmp(arg, "bridge:", 7) == 0) {
		options->bridge = true;
		what = arg + 7;
	}
	/* What follows the address or name, after a colon, is the MAC. */
	colon = strchr(what, ':');
	len = colon ? (size_t)(colon - what) : strlen(what);
	if (colon) {
		if (net_options__parse_mac(colon + 1, strlen(colon + 1), options->mac) < 0)
			return fail(err, errlen, "tunnet", arg,
				    "the MAC is a unicast address like 52:54:00:12:34:56");
		options->has_mac = true;
	}

	if (options->bridge) {
		if (!valid_ifname(what, len))
			return fail(err, errlen, "tunnet", arg,
				    "the bridge's name is 1 to %u characters",
				    NET_IFNAME_MAX - 1);
		memcpy(options->bridge_name, what, len);
		options->bridge_name[len] = '\0';
		return 0;
	}
	if (parse_ipv4(what, len, &options->host_addr) < 0)
		return fail(err, errlen, "tunnet", arg,
			    "expected the host side's IPv4 address, or bridge:NAME");
	return 0;
}
