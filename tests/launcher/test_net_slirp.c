/*
 * test_net_slirp.c - the --net=user backend end to end, without a Guest:
 * the test plays the Guest's network stack, frame by frame, and the host
 * side with ordinary sockets.  Loopback only: no name is ever resolved
 * and nothing outside 127.0.0.1 is reached.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bytes.h"
#include "io_loop.h"
#include "net_backend.h"
#include "net_options.h"

#define ETH_TYPE_IP 0x0800
#define ETH_TYPE_ARP 0x0806
#define IP_TCP 6
#define IP_UDP 17
#define TCP_SYN 0x02
#define TCP_ACK 0x10

static const uint8_t guest_mac[6] = { 0x02, 0x6c, 0x67, 0x00, 0x00, 0x01 };

/* ---- Frames the backend hands the "Guest" ---------------------------------- */

#define MAX_FRAMES 64

static struct {
	uint8_t data[MAX_FRAMES][2048];
	size_t len[MAX_FRAMES];
	unsigned n;
} got;

static void receive(void *opaque, const uint8_t *frame, size_t len)
{
	if (got.n < MAX_FRAMES && len <= sizeof(got.data[0])) {
		memcpy(got.data[got.n], frame, len);
		got.len[got.n++] = len;
	}
}

static struct io_loop loop;
static struct net_backend *backend;

static void open_backend(const char *arg)
{
	struct net_user_options options;
	char err[256];

	assert_int_equal(net_options__parse_user(arg, &options, err, sizeof(err)), 0);
	backend = net_slirp__open(&options, &loop, err, sizeof(err));
	if (!backend)
		fail_msg("%s", err);
	net_backend__attach(backend, &(struct net_receiver){ .receive = receive });
}

static int setup(void **state)
{
	got.n = 0;
	assert_int_equal(io_loop__init(&loop), 0);
	backend = NULL;
	return 0;
}

static int teardown(void **state)
{
	if (backend)
		backend->ops->close(backend);
	io_loop__destroy(&loop);
	return 0;
}

/* ---- Building frames, as a Guest's stack would ----------------------------- */

static uint32_t sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		sum += (uint32_t)(p[len - 1] << 8);
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xFFFF) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)get_be16(p) << 16 | get_be16(p + 2);
}

static size_t ethernet(uint8_t *f, const uint8_t dst[6], uint16_t type)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, guest_mac, 6);
	put_be16(f + 12, type);
	return 14;
}

/* An IPv4 header at ip for `payload` bytes; returns its length. */
static size_t ipv4(uint8_t *ip, uint8_t proto, uint32_t src, uint32_t dst,
		   size_t payload)
{
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put_be16(ip + 2, (uint16_t)(20 + payload));
	ip[8] = 64;
	ip[9] = proto;
	put_be32(ip + 12, src);
	put_be32(ip + 16, dst);
	put_be16(ip + 10, fold(sum16(ip, 20, 0)));
	return 20;
}

static void send_frame(const uint8_t *frame, size_t len)
{
	backend->ops->send(backend, frame, len);
}

/* DHCPDISCOVER from 0.0.0.0:68 to 255.255.255.255:67, padded as BOOTP is. */
static void send_dhcp_discover(void)
{
	static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint8_t f[14 + 20 + 8 + 548] = { 0 };
	uint8_t *udp = f + 34, *bootp = udp + 8;
	size_t bootp_len = 548;

	ethernet(f, broadcast, ETH_TYPE_IP);
	ipv4(f + 14, IP_UDP, 0, 0xFFFFFFFF, 8 + bootp_len);
	put_be16(udp, 68);
	put_be16(udp + 2, 67);
	put_be16(udp + 4, (uint16_t)(8 + bootp_len)); /* checksum 0: none */
	bootp[0] = 1; /* BOOTREQUEST */
	bootp[1] = 1; /* Ethernet */
	bootp[2] = 6;
	put_be32(bootp + 4, 0x1234abcd); /* xid */
	memcpy(bootp + 28, guest_mac, 6);
	put_be32(bootp + 236, 0x63825363); /* the DHCP magic cookie */
	bootp[240] = 53; /* message type */
	bootp[241] = 1;
	bootp[242] = 1; /* DISCOVER */
	bootp[243] = 255;
	send_frame(f, sizeof(f));
}

/* ARP reply: 10.0.2.15 is at guest_mac, to whoever asked in `request`. */
static void answer_arp(const uint8_t *request)
{
	uint8_t f[42];
	uint8_t *arp = f + 14;
	const uint8_t *asked = request + 14;

	ethernet(f, asked + 8, ETH_TYPE_ARP);
	put_be16(arp, 1);
	put_be16(arp + 2, ETH_TYPE_IP);
	arp[4] = 6;
	arp[5] = 4;
	put_be16(arp + 6, 2); /* reply */
	memcpy(arp + 8, guest_mac, 6);
	put_be32(arp + 14, NET_USER_GUEST);
	memcpy(arp + 18, asked + 8, 6);
	memcpy(arp + 24, asked + 14, 4);
	send_frame(f, sizeof(f));
}

/* A TCP SYN from 10.0.2.15:sport to dst:dport. */
static void send_tcp_syn(uint32_t dst, uint16_t sport, uint16_t dport)
{
	static const uint8_t any_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
	uint8_t f[14 + 20 + 20] = { 0 };
	uint8_t *tcp = f + 34, pseudo[12];

	ethernet(f, any_mac, ETH_TYPE_IP);
	ipv4(f + 14, IP_TCP, NET_USER_GUEST, dst, 20);
	put_be16(tcp, sport);
	put_be16(tcp + 2, dport);
	put_be32(tcp + 4, 1000); /* sequence */
	tcp[12] = 5 << 4;       /* 20-byte header */
	tcp[13] = TCP_SYN;
	put_be16(tcp + 14, 65535);
	put_be32(pseudo, NET_USER_GUEST);
	put_be32(pseudo + 4, dst);
	pseudo[8] = 0;
	pseudo[9] = IP_TCP;
	put_be16(pseudo + 10, 20);
	put_be16(tcp + 16, fold(sum16(tcp, 20, sum16(pseudo, 12, 0))));
	send_frame(f, sizeof(f));
}

/* A UDP datagram from 10.0.2.15:sport to dst:dport. */
static void send_udp(uint32_t dst, uint16_t sport, uint16_t dport,
		     const char *text)
{
	static const uint8_t any_mac[6] = { 0x52, 0x55, 0x0a, 0x00, 0x02, 0x02 };
	uint8_t f[14 + 20 + 8 + 64] = { 0 };
	size_t len = strlen(text);
	uint8_t *udp = f + 34;

	ethernet(f, any_mac, ETH_TYPE_IP);
	ipv4(f + 14, IP_UDP, NET_USER_GUEST, dst, 8 + len);
	put_be16(udp, sport);
	put_be16(udp + 2, dport);
	put_be16(udp + 4, (uint16_t)(8 + len)); /* checksum 0: none */
	memcpy(udp + 8, text, len);
	send_frame(f, 14 + 20 + 8 + len);
}

/* ---- Reading what came back ---------------------------------------------------- */

static uint16_t eth_type(unsigned i)
{
	return get_be16(got.data[i] + 12);
}

static const uint8_t *ip_of(unsigned i)
{
	return got.data[i] + 14;
}

static const uint8_t *l4_of(unsigned i)
{
	return ip_of(i) + (ip_of(i)[0] & 0xF) * 4;
}

static bool is_arp_request_for_guest(unsigned i)
{
	const uint8_t *arp = got.data[i] + 14;

	return eth_type(i) == ETH_TYPE_ARP && get_be16(arp + 6) == 1 &&
	       get_be32(arp + 24) == NET_USER_GUEST;
}

/* A DHCP option's value in a BOOTP message of len bytes, or NULL. */
static const uint8_t *dhcp_option(const uint8_t *bootp, size_t len, uint8_t code)
{
	for (size_t i = 240; i + 1 < len && bootp[i] != 255; ) {
		if (bootp[i] == 0) {
			i++;
			continue;
		}
		if (bootp[i] == code)
			return bootp + i + 2;
		i += 2u + bootp[i + 1];
	}
	return NULL;
}

/*
 * Poll the backend for up to 5 s, answering ARP for the Guest, until
 * `want` finds a frame: its index, or -1.
 */
static int wait_for(bool (*want)(unsigned i, void *arg), void *arg)
{
	unsigned seen = 0;

	for (int round = 0; round < 100; round++) {
		for (; seen < got.n; seen++) {
			if (is_arp_request_for_guest(seen))
				answer_arp(got.data[seen]);
			else if (want(seen, arg))
				return (int)seen;
		}
		io_loop__poll(&loop, 50);
	}
	return -1;
}

/* A port on 127.0.0.1 that nothing listens on (for the moment). */
static uint16_t free_port(int type)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	close(fd);
	return ntohs(sin.sin_port);
}

/* A socket of `type` bound to 127.0.0.1 (and listening, for TCP). */
static int loopback_socket(int type, uint16_t *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, type | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return fd;
}

/* ---- DHCP ------------------------------------------------------------------------ */

static bool is_dhcp_offer(unsigned i, void *arg)
{
	const uint8_t *udp = l4_of(i), *bootp = udp + 8;
	size_t bootp_len = got.len[i] - (size_t)(bootp - got.data[i]);
	const uint8_t *type;

	if (eth_type(i) != ETH_TYPE_IP || ip_of(i)[9] != IP_UDP ||
	    get_be16(udp) != 67 || get_be16(udp + 2) != 68 || bootp_len < 244)
		return false;
	type = dhcp_option(bootp, bootp_len, 53);
	return bootp[0] == 2 && type && *type == 2; /* BOOTREPLY, OFFER */
}

static void test_dhcp_discover_is_offered_10_0_2_15(void **state)
{
	const uint8_t *bootp, *router, *dns, *mask;
	size_t len;
	int i;

	open_backend("user");
	send_dhcp_discover();
	i = wait_for(is_dhcp_offer, NULL);
	assert_true(i >= 0);

	bootp = l4_of((unsigned)i) + 8;
	len = got.len[i] - (size_t)(bootp - got.data[i]);
	assert_int_equal(get_be32(bootp + 4), 0x1234abcd);       /* our xid */
	assert_int_equal(get_be32(bootp + 16), NET_USER_GUEST);  /* yiaddr */
	assert_memory_equal(bootp + 28, guest_mac, 6);
	router = dhcp_option(bootp, len, 3);
	dns = dhcp_option(bootp, len, 6);
	mask = dhcp_option(bootp, len, 1);
	assert_non_null(router);
	assert_non_null(dns);
	assert_non_null(mask);
	assert_int_equal(get_be32(router), NET_USER_HOST);
	assert_int_equal(get_be32(dns), NET_USER_DNS);
	assert_int_equal(get_be32(mask), NET_USER_NETMASK);
}

/* ---- hostfwd ---------------------------------------------------------------------- */

struct tcp_want {
	uint32_t dst;
	uint16_t dport;
	uint8_t flags;
};

static bool is_tcp_to(unsigned i, void *arg)
{
	const struct tcp_want *w = arg;
	const uint8_t *tcp = l4_of(i);

	return eth_type(i) == ETH_TYPE_IP && ip_of(i)[9] == IP_TCP &&
	       get_be32(ip_of(i) + 16) == w->dst && get_be16(tcp + 2) == w->dport &&
	       (tcp[13] & (TCP_SYN | TCP_ACK)) == w->flags;
}

static void test_connection_to_a_hostfwd_port_becomes_a_syn_to_the_guest(void **state)
{
	uint16_t port = free_port(SOCK_STREAM);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct tcp_want want = { NET_USER_GUEST, 8080, TCP_SYN };
	char arg[64];
	int fd, i;

	snprintf(arg, sizeof(arg), "user,hostfwd=tcp::%u-:8080", port);
	open_backend(arg);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	/* Slirp's listening socket is ours: the kernel completes the handshake. */
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);

	i = wait_for(is_tcp_to, &want);
	close(fd);
	assert_true(i >= 0);
	assert_int_equal(get_be32(ip_of((unsigned)i) + 12), NET_USER_HOST); /* from 10.0.2.2 */
}

static void test_hostfwd_port_in_use_is_one_line_naming_it(void **state)
{
	uint16_t port;
	int fd = loopback_socket(SOCK_STREAM, &port);
	struct net_user_options options;
	char arg[64], err[256];

	snprintf(arg, sizeof(arg), "user,hostfwd=tcp::%u-:80", port);
	assert_int_equal(net_options__parse_user(arg, &options, err, sizeof(err)), 0);
	assert_null(net_slirp__open(&options, &loop, err, sizeof(err)));
	close(fd);
	snprintf(arg, sizeof(arg), "127.0.0.1:%u", port);
	assert_non_null(strstr(err, arg));
	assert_null(strchr(err, '\n'));
}

/* ---- The Guest's own connections: 10.0.2.2 is the host's loopback ------------------ */

static void test_guest_tcp_to_10_0_2_2_reaches_the_host_loopback(void **state)
{
	uint16_t port;
	int listener = loopback_socket(SOCK_STREAM, &port);
	struct tcp_want want = { NET_USER_GUEST, 40000, TCP_SYN | TCP_ACK };
	int accepted = -1, i;

	open_backend("user");
	send_tcp_syn(NET_USER_HOST, 40000, port);
	for (int round = 0; round < 100 && accepted < 0; round++) {
		io_loop__poll(&loop, 50);
		accepted = accept(listener, NULL, NULL);
	}
	assert_true(accepted >= 0);
	/* Connected on the host: slirp says yes to the Guest. */
	i = wait_for(is_tcp_to, &want);
	close(accepted);
	close(listener);
	assert_true(i >= 0);
	assert_int_equal(get_be16(l4_of((unsigned)i)), port);
}

static void test_guest_udp_to_10_0_2_2_reaches_the_host_loopback(void **state)
{
	uint16_t port;
	int fd = loopback_socket(SOCK_DGRAM, &port);
	char buf[64];
	ssize_t n = -1;

	open_backend("user");
	send_udp(NET_USER_HOST, 40001, port, "hello, host");
	for (int round = 0; round < 100 && n < 0; round++) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			io_loop__poll(&loop, 50);
	}
	close(fd);
	assert_int_equal(n, 11);
	assert_memory_equal(buf, "hello, host", 11);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_dhcp_discover_is_offered_10_0_2_15),
		T(test_connection_to_a_hostfwd_port_becomes_a_syn_to_the_guest),
		T(test_hostfwd_port_in_use_is_one_line_naming_it),
		T(test_guest_tcp_to_10_0_2_2_reaches_the_host_loopback),
		T(test_guest_udp_to_10_0_2_2_reaches_the_host_loopback),
	};

	return cmocka_run_group_tests_name("net_slirp", tests, NULL, NULL);
}
