#!/usr/bin/env bash
# Real Git servers on loopback for the integration tests (a CTest fixture).
#
#   servers.sh start DIR   start them; write DIR/env (ports, paths)
#   servers.sh stop DIR    stop the processes this script started (by the
#                          pid files in DIR), nothing else
#
# - git daemon, push enabled                  git://127.0.0.1:GIT_PORT/NAME.git
# - git http-backend behind lighttpd (CGI), HTTPS with a test CA (openssl)
#   and basic auth                            https://127.0.0.1:HTTPS_PORT/git/NAME.git
# - sshd (openssh-server), key-only auth, its own host key, a throwaway
#   config (StrictModes no, UsePAM no)      ssh://USER@127.0.0.1:SSH_PORT/DIR/repos/NAME.git
#
# All three serve the bare repositories in DIR/repos; tests create new
# repositories there as they need them. Ports are random free ones.
set -euo pipefail

cmd=${1:?usage: servers.sh start|stop DIR}
dir=${2:?usage: servers.sh start|stop DIR}

# Alive and not a zombie (daemons re-parented to a PID 1 that does not
# reap them stay as zombies, and kill -0 still succeeds on those).
alive() {
	kill -0 "$1" 2>/dev/null &&
		! grep -qE '^[0-9]+ \(.*\) Z' "/proc/$1/stat" 2>/dev/null
}

stop() {
	local f pid
	for f in "$dir"/run/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null || true)
		if [ -n "$pid" ] && alive "$pid"; then
			kill "$pid" 2>/dev/null || true
			for _ in $(seq 50); do
				alive "$pid" || break
				sleep 0.1
			done
			kill -9 "$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}

port_in_use() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

used_ports=" "
free_port() {
	local p
	while :; do
		# below Linux's ephemeral ports (32768-60999), which outgoing
		# connections (thousands a second in some tests) take
		p=$((20000 + RANDOM % 12000))
		case "$used_ports" in *" $p "*) continue ;; esac
		port_in_use "$p" && continue
		used_ports="$used_ports$p "
		echo "$p"
		return
	done
}

# The git daemon of PIDFILE is the one listening on PORT (not another
# program that took the port: a detached git daemon that cannot bind
# exits without a word).
own_port() { # PORT PIDFILE
	local pid
	pid=$(cat "$2" 2>/dev/null) || return 1
	[ -n "$pid" ] && alive "$pid" &&
		ss -ltnpH "sport = :$1" 2>/dev/null | grep -q "pid=$pid,"
}

wait_port() { # PORT NAME LOG
	for _ in $(seq 100); do
		port_in_use "$1" && return 0
		sleep 0.05
	done
	echo "servers.sh: $2 did not start on port $1" >&2
	[ -f "$3" ] && tail -n 20 "$3" >&2
	return 1
}

wait_own() { # PORT PIDFILE
	for _ in $(seq 40); do
		own_port "$1" "$2" && return 0
		sleep 0.05
	done
	echo "servers.sh: port $1 is not the git daemon's" >&2
	return 1
}

start() {
	local user git_port https_port ssh_port backend
	stop
	rm -rf "$dir"
	mkdir -p "$dir"/{repos,run,ca,http/www,ssh}
	user=$(id -un)
	backend=$(git --exec-path)/git-http-backend

	# --- test CA and server certificate ---
	(
		cd "$dir/ca"
		openssl req -x509 -new -nodes -newkey ec \
			-pkeyopt ec_paramgen_curve:P-256 -keyout ca.key \
			-out ca.pem -days 30 -subj "/CN=flink-gitops test CA" \
			2>/dev/null
		openssl req -new -nodes -newkey ec \
			-pkeyopt ec_paramgen_curve:P-256 -keyout server.key \
			-out server.csr -subj "/CN=localhost" 2>/dev/null
		printf '%s\n' "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			"basicConstraints=CA:FALSE" \
			"extendedKeyUsage=serverAuth" >ext.cnf
		openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -out server.crt -days 30 \
			-extfile ext.cnf 2>/dev/null
		cat server.crt server.key >server.pem
	)

	# --- git daemon ---
	for _ in 1 2 3; do
		git_port=$(free_port)
		git daemon --reuseaddr --listen=127.0.0.1 --port="$git_port" \
			--base-path="$dir/repos" --export-all \
			--enable=receive-pack --detach \
			--pid-file="$dir/run/git-daemon.pid" \
			"$dir/repos" 2>>"$dir/run/git-daemon.log" &&
			wait_port "$git_port" git-daemon "$dir/run/git-daemon.log" &&
			wait_own "$git_port" "$dir/run/git-daemon.pid" &&
			break
		stop
		git_port=
	done
	[ -n "$git_port" ] || exit 1

	# --- lighttpd + git http-backend over HTTPS, basic auth ---
	printf 'agent:s3cret-http-pass\n' >"$dir/http/users"
	printf 's3cret-http-pass\n' >"$dir/http/password"
	printf 'wrong-pass\n' >"$dir/http/wrong-password"
	for _ in 1 2 3; do
		https_port=$(free_port)
		cat >"$dir/http/lighttpd.conf" <<-EOF
			server.document-root = "$dir/http/www"
			server.bind = "127.0.0.1"
			server.port = $https_port
			server.pid-file = "$dir/run/lighttpd.pid"
			server.errorlog = "$dir/run/lighttpd.log"
			server.modules = ( "mod_access", "mod_alias", "mod_auth",
				"mod_authn_file", "mod_cgi", "mod_setenv",
				"mod_openssl" )
			ssl.engine = "enable"
			ssl.pemfile = "$dir/ca/server.pem"
			auth.backend = "plain"
			auth.backend.plain.userfile = "$dir/http/users"
			auth.require = ( "/git" => ( "method" => "basic",
				"realm" => "git", "require" => "valid-user" ) )
			alias.url = ( "/git" => "$backend" )
			\$HTTP["url"] =~ "^/git" {
				cgi.assign = ( "" => "" )
				setenv.add-environment = (
					"GIT_PROJECT_ROOT" => "$dir/repos",
					"GIT_HTTP_EXPORT_ALL" => "1" )
			}
		EOF
		/usr/sbin/lighttpd -f "$dir/http/lighttpd.conf" \
			2>>"$dir/run/lighttpd.log" &&
			wait_port "$https_port" lighttpd "$dir/run/lighttpd.log" &&
			break
		stop
		https_port=
	done
	[ -n "$https_port" ] || exit 1

	# --- sshd, key-only, its own host key ---
	ssh-keygen -q -t ed25519 -N '' -C test-host -f "$dir/ssh/host_ed25519"
	ssh-keygen -q -t ed25519 -N '' -C test-client -f "$dir/ssh/client"
	ssh-keygen -q -t ed25519 -N '' -C not-authorized -f "$dir/ssh/stranger"
	ssh-keygen -q -t ed25519 -N '' -C other-host -f "$dir/ssh/other_host"
	cp "$dir/ssh/client.pub" "$dir/ssh/authorized_keys"
	mkdir -p /run/sshd 2>/dev/null || true
	for _ in 1 2 3; do
		ssh_port=$(free_port)
		cat >"$dir/ssh/sshd_config" <<-EOF
			Port $ssh_port
			ListenAddress 127.0.0.1
			HostKey $dir/ssh/host_ed25519
			PidFile $dir/run/sshd.pid
			AuthorizedKeysFile $dir/ssh/authorized_keys
			StrictModes no
			UsePAM no
			PasswordAuthentication no
			KbdInteractiveAuthentication no
			PubkeyAuthentication yes
			PermitRootLogin prohibit-password
			AllowUsers $user
			LogLevel VERBOSE
		EOF
		/usr/sbin/sshd -f "$dir/ssh/sshd_config" \
			-E "$dir/run/sshd.log" &&
			wait_port "$ssh_port" sshd "$dir/run/sshd.log" && break
		stop
		ssh_port=
	done
	[ -n "$ssh_port" ] || exit 1
	printf '[127.0.0.1]:%s %s\n' "$ssh_port" \
		"$(cut -d' ' -f1,2 "$dir/ssh/host_ed25519.pub")" \
		>"$dir/ssh/known_hosts"
	printf '[127.0.0.1]:%s %s\n' "$ssh_port" \
		"$(cut -d' ' -f1,2 "$dir/ssh/other_host.pub")" \
		>"$dir/ssh/known_hosts.changed"
	: >"$dir/ssh/known_hosts.empty"

	cat >"$dir/env" <<-EOF
		ROOT=$dir
		REPOS=$dir/repos
		GIT_PORT=$git_port
		HTTPS_PORT=$https_port
		SSH_PORT=$ssh_port
		SSH_USER=$user
	EOF
	echo "servers.sh: git://127.0.0.1:$git_port https://127.0.0.1:$https_port ssh://127.0.0.1:$ssh_port"
}

case "$cmd" in
start) start ;;
stop) stop ;;
*)
	echo "usage: servers.sh start|stop DIR" >&2
	exit 2
	;;
esac
