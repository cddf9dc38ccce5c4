/*
 * test_net_options.c - the values of --net= and --tunnet=, and how the
 * command line takes them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "net_options.h"
#include "options.h"

static char err[512];

static void assert_one_line_saying(const char *words)
{
	assert_non_null(strstr(err, words));
	assert_null(strchr(err, '\n'));
}

/* ---- --net=user ------------------------------------------------------------ */

static struct net_user_options user;

static int parse_user(const char *arg)
{
	err[0] = '\0';
	return net_options__parse_user(arg, &user, err, sizeof(err));
}

static void test_net_user_alone_has_no_forwards_and_no_mac(void **state)
{
	assert_int_equal(parse_user("user"), 0);
	assert_int_equal(user.nr_hostfwd, 0);
	assert_false(user.has_mac);
}

static void test_hostfwd_forwards_a_host_tcp_port_to_the_guest(void **state)
{
	assert_int_equal(parse_user("user,hostfwd=tcp::5555-:80"), 0);
	assert_int_equal(user.nr_hostfwd, 1);
	assert_false(user.hostfwd[0].udp);
	assert_int_equal(user.hostfwd[0].host_port, 5555);
	assert_int_equal(user.hostfwd[0].guest_addr, NET_USER_GUEST); /* 10.0.2.15 */
	assert_int_equal(user.hostfwd[0].guest_port, 80);
}

static void test_hostfwd_may_name_loopback_and_a_guest_address(void **state)
{
	assert_int_equal(parse_user("user,hostfwd=udp:127.0.0.1:6000-10.0.2.20:53"), 0);
	assert_true(user.hostfwd[0].udp);
	assert_int_equal(user.hostfwd[0].host_port, 6000);
	assert_int_equal(user.hostfwd[0].guest_addr, 0x0A000214);
	assert_int_equal(user.hostfwd[0].guest_port, 53);
}

static void test_settings_repeat_and_combine(void **state)
{
	assert_int_equal(parse_user("user,hostfwd=tcp::2222-:22,mac=52:54:00:AB:cd:01,"
				    "hostfwd=tcp::8080-:80"), 0);
	assert_int_equal(user.nr_hostfwd, 2);
	assert_int_equal(user.hostfwd[0].host_port, 2222);
	assert_int_equal(user.hostfwd[1].guest_port, 80);
	assert_true(user.has_mac);
	assert_memory_equal(user.mac, ((uint8_t[]){ 0x52, 0x54, 0x00, 0xAB, 0xCD, 0x01 }), 6);
}

static void test_only_the_user_network_exists(void **state)
{
	assert_int_equal(parse_user("tap"), -1);
	assert_one_line_saying("--net=tap: the only network is 'user'");
	assert_int_equal(parse_user("username"), -1);
	assert_int_equal(parse_user(""), -1);
	assert_int_equal(parse_user(NULL), -1);
}

static void test_unknown_setting_is_named(void **state)
{
	assert_int_equal(parse_user("user,restrict=on"), -1);
	assert_one_line_saying("unknown setting 'restrict=on'");
	assert_int_equal(parse_user("user,"), -1);
	assert_int_equal(parse_user("user,,mac=52:54:00:12:34:56"), -1);
}

static void test_hostfwd_listens_on_loopback_only(void **state)
{
	assert_int_equal(parse_user("user,hostfwd=tcp:0.0.0.0:5555-:80"), -1);
	assert_one_line_saying("127.0.0.1 only");
	assert_int_equal(parse_user("user,hostfwd=tcp:192.168.1.5:5555-:80"), -1);
}

static void test_malformed_hostfwd_is_refused(void **state)
{
	const char *bad[] = {
		"user,hostfwd=",
		"user,hostfwd=tcp",
		"user,hostfwd=sctp::1-:2",
		"user,hostfwd=tcp::5555",
		"user,hostfwd=tcp::5555-80",
		"user,hostfwd=tcp::0-:80",
		"user,hostfwd=tcp::65536-:80",
		"user,hostfwd=tcp::55x5-:80",
		"user,hostfwd=tcp::5555-:",
		"user,hostfwd=tcp::5555-:0",
		"user,hostfwd=tcp::5555-10.0.3.15:80", /* outside 10.0.2.0/24 */
		"user,hostfwd=tcp::5555-guest:80",     /* no names: no DNS */
		"user,hostfwd=tcp:localhost:5555-:80",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_user(bad[i]), -1);
		assert_non_null(strstr(err, bad[i])); /* the line quotes the option */
		assert_null(strchr(err, '\n'));
	}
}

static void test_at_most_16_hostfwd(void **state)
{
	char arg[1024] = "user";

	for (unsigned i = 0; i < NET_MAX_HOSTFWD; i++)
		snprintf(arg + strlen(arg), sizeof(arg) - strlen(arg),
			 ",hostfwd=tcp::%u-:80", 6000 + i);
	assert_int_equal(parse_user(arg), 0);
	strcat(arg, ",hostfwd=tcp::7000-:80");
	assert_int_equal(parse_user(arg), -1);
	assert_one_line_saying("at most 16 hostfwd");
}

/* ---- MAC addresses --------------------------------------------------------- */

static void test_mac_is_six_hex_pairs_unicast_and_not_zero(void **state)
{
	uint8_t mac[6];

	assert_int_equal(net_options__parse_mac("02:00:00:00:00:01", 17, mac), 0);
	assert_int_equal(mac[0], 2);
	assert_int_equal(mac[5], 1);
	assert_int_equal(net_options__parse_mac("01:00:5e:00:00:01", 17, mac), -1);
	assert_int_equal(net_options__parse_mac("00:00:00:00:00:00", 17, mac), -1);
	assert_int_equal(net_options__parse_mac("02:00:00:00:00", 14, mac), -1);
	assert_int_equal(net_options__parse_mac("02-00-00-00-00-01", 17, mac), -1);
	assert_int_equal(net_options__parse_mac("02:00:00:00:00:0g", 17, mac), -1);
	assert_int_equal(net_options__parse_mac("02:00:00:00:00:011", 18, mac), -1);
}

/* ---- --tunnet= -------------------------------------------------------------- */

static struct net_tap_options tap;

static int parse_tap(const char *arg)
{
	err[0] = '\0';
	return net_options__parse_tap(arg, &tap, err, sizeof(err));
}

static void test_tunnet_takes_the_host_side_address(void **state)
{
	assert_int_equal(parse_tap("192.168.19.1"), 0);
	assert_false(tap.bridge);
	assert_int_equal(tap.host_addr, 0xC0A81301);
	assert_false(tap.has_mac);
}

static void test_tunnet_address_may_be_followed_by_the_guest_mac(void **state)
{
	assert_int_equal(parse_tap("192.168.19.1:52:54:00:12:34:56"), 0);
	assert_int_equal(tap.host_addr, 0xC0A81301);
	assert_true(tap.has_mac);
	assert_int_equal(tap.mac[5], 0x56);
}

static void test_tunnet_bridge_names_the_bridge(void **state)
{
	assert_int_equal(parse_tap("bridge:br0"), 0);
	assert_true(tap.bridge);
	assert_string_equal(tap.bridge_name, "br0");
	assert_false(tap.has_mac);

	assert_int_equal(parse_tap("bridge:lguest-br:02:00:00:00:00:07"), 0);
	assert_string_equal(tap.bridge_name, "lguest-br");
	assert_true(tap.has_mac);
	assert_int_equal(tap.mac[5], 7);
}

static void test_malformed_tunnet_is_refused(void **state)
{
	const char *bad[] = {
		"", "bridge:", "bridge:a-name-of-16-chars", "bridge:br0:zz",
		"192.168.19", "192.168.19.1:", "192.168.19.1:01:00:5e:00:00:01",
		"host.example", "bridge:br/0",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse_tap(bad[i]), -1);
		assert_non_null(strstr(err, "--tunnet="));
		assert_null(strchr(err, '\n'));
	}
	assert_int_equal(parse_tap(NULL), -1);
}

/* ---- The command line ------------------------------------------------------- */

static struct launcher_options options;

static enum options_result parse_words(const char *const *words)
{
	char *argv[16] = { "lguest-emu" };
	int argc = 1;

	while (*words)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	err[0] = '\0';
	return options__parse(argc, argv, &options, err, sizeof(err));
}

#define PARSE(...) parse_words((const char *const[]){ __VA_ARGS__, NULL })

static void test_net_and_tunnet_ask_for_devices_in_order(void **state)
{
	assert_int_equal(PARSE("--net=user,hostfwd=tcp::5555-:80", "--rng",
			       "--tunnet", "bridge:br0", "--net=user", "64", "bzImage"),
			 OPTIONS_RUN);
	assert_int_equal(options.nr_devices, 4);
	assert_string_equal(options.devices[0].model, "net");
	assert_string_equal(options.devices[0].arg, "user,hostfwd=tcp::5555-:80");
	assert_string_equal(options.devices[1].model, "rng");
	assert_string_equal(options.devices[2].model, "tunnet");
	assert_string_equal(options.devices[2].arg, "bridge:br0");
	assert_string_equal(options.devices[3].arg, "user");
}

static void test_a_bad_net_value_is_a_usage_error(void **state)
{
	assert_int_equal(PARSE("--net=user,hostfwd=tcp::99999-:80", "64", "bzImage"),
			 OPTIONS_ERROR);
	assert_one_line_saying("--net=user,hostfwd=tcp::99999-:80: hostfwd: the host "
			       "port is a number from 1 to 65535");
	assert_int_equal(PARSE("--net=slirp", "64", "bzImage"), OPTIONS_ERROR);
	assert_int_equal(PARSE("--net", "64", "bzImage"), OPTIONS_ERROR);
}

static void test_a_bad_tunnet_value_is_a_usage_error(void **state)
{
	assert_int_equal(PARSE("--tunnet=10.0.0", "64", "bzImage"), OPTIONS_ERROR);
	assert_one_line_saying("--tunnet=10.0.0: expected the host side's IPv4 address");
	assert_int_equal(PARSE("--tunnet", "64", "bzImage"), OPTIONS_ERROR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_net_user_alone_has_no_forwards_and_no_mac),
		cmocka_unit_test(test_hostfwd_forwards_a_host_tcp_port_to_the_guest),
		cmocka_unit_test(test_hostfwd_may_name_loopback_and_a_guest_address),
		cmocka_unit_test(test_settings_repeat_and_combine),
		cmocka_unit_test(test_only_the_user_network_exists),
		cmocka_unit_test(test_unknown_setting_is_named),
		cmocka_unit_test(test_hostfwd_listens_on_loopback_only),
		cmocka_unit_test(test_malformed_hostfwd_is_refused),
		cmocka_unit_test(test_at_most_16_hostfwd),
		cmocka_unit_test(test_mac_is_six_hex_pairs_unicast_and_not_zero),
		cmocka_unit_test(test_tunnet_takes_the_host_side_address),
		cmocka_unit_test(test_tunnet_address_may_be_followed_by_the_guest_mac),
		cmocka_unit_test(test_tunnet_bridge_names_the_bridge),
		cmocka_unit_test(test_malformed_tunnet_is_refused),
		cmocka_unit_test(test_net_and_tunnet_ask_for_devices_in_order),
		cmocka_unit_test(test_a_bad_net_value_is_a_usage_error),
		cmocka_unit_test(test_a_bad_tunnet_value_is_a_usage_error),
	};

	return cmocka_run_group_tests_name("net_options", tests, NULL, NULL);
}
