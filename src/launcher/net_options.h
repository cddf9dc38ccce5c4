/*
 * net_options.h - the values of --net= and --tunnet=.
 *
 *   --net=user[,hostfwd=tcp::HOSTPORT-:GUESTPORT][,...][,mac=MAC]
 *   --tunnet=IPV4[:MAC]
 *   --tunnet=bridge:NAME[:MAC]
 *
 * Parsed once when the command line is read (a mistake is a usage error)
 * and again when the device is made.  Addresses are in host byte order.
 */
#ifndef LAUNCHER_NET_OPTIONS_H
#define LAUNCHER_NET_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_backend.h"

/* --net=user's network: the addresses QEMU's user networking made familiar. */
#define NET_USER_NETWORK 0x0A000200u /* 10.0.2.0 */
#define NET_USER_NETMASK 0xFFFFFF00u /* /24 */
#define NET_USER_HOST 0x0A000202u    /* 10.0.2.2: gateway, and the host's loopback */
#define NET_USER_DNS 0x0A000203u     /* 10.0.2.3: forwards to the host's resolver */
#define NET_USER_GUEST 0x0A00020Fu   /* 10.0.2.15: the address DHCP hands out */
#define NET_HOST_LOOPBACK 0x7F000001u /* where hostfwd listens: 127.0.0.1 only */

#define NET_MAX_HOSTFWD 16
#define NET_IFNAME_MAX 16 /* IFNAMSIZ, with its terminating NUL */

/* hostfwd=PROTO:[127.0.0.1]:HOSTPORT-[GUESTADDR]:GUESTPORT */
struct net_hostfwd {
	bool udp;
	uint16_t host_port;
	uint32_t guest_addr; /* NET_USER_GUEST unless given */
	uint16_t guest_port;
};

struct net_user_options {
	struct net_hostfwd hostfwd[NET_MAX_HOSTFWD];
	unsigned nr_hostfwd;
	bool has_mac;
	uint8_t mac[NET_ETH_ADDR_LEN];
};

struct net_tap_options {
	bool bridge;                        /* add the TAP device to a bridge */
	char bridge_name[NET_IFNAME_MAX];
	uint32_t host_addr;                 /* else: the host side's IPv4 address */
	bool has_mac;
	uint8_t mac[NET_ETH_ADDR_LEN];
};

/* 0, or -1 with one line (starting "--net=...: ") in err[]. */
int net_options__parse_user(const char *arg, struct net_user_options *options,
			    char *err, size_t errlen);
/* 0, or -1 with one line (starting "--tunnet=...: ") in err[]. */
int net_options__parse_tap(const char *arg, struct net_tap_options *options,
			   char *err, size_t errlen);

/*
 * "52:54:00:12:34:56" (exactly len characters): a unicast address, not
 * all zeros.  0 or -1.
 */
int net_options__parse_mac(const char *text, size_t len,
			   uint8_t mac[NET_ETH_ADDR_LEN]);

#endif /* LAUNCHER_NET_OPTIONS_H */
