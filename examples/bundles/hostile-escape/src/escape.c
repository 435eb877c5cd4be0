/* A hostile "proof of concept": it tries to get out of the sandbox and says "ESCAPED: ..." for
 * everything that works. The bundle's oracle is that word on stdout, so a sandbox that holds
 * gives the verdict not_reproduced, and stdout lists what was refused. Written for Clearinghouse
 * (Apache-2.0). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <unistd.h>

static void result(const char *what, int ok) {
    if (ok)
        printf("ESCAPED: %s\n", what);
    else
        printf("refused: %s (%s)\n", what, strerror(errno));
}

int main(int argc, char **argv) {
    /* The host's loopback: PostgreSQL, NATS, the server. */
    int ports[] = {5432, 4222, 8080};
    for (unsigned i = 0; i < sizeof ports / sizeof *ports; i++) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(ports[i])};
        inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
        char what[64];
        snprintf(what, sizeof what, "connect to 127.0.0.1:%d", ports[i]);
        result(what, s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0);
        if (s >= 0) close(s);
    }
    result("read /etc/shadow", open("/etc/shadow", O_RDONLY) >= 0);
    result("read /root/.ssh", open("/root/.ssh", O_RDONLY) >= 0);
    result("list the server's data folder", open("/work/../clearinghouse-data", O_RDONLY) >= 0);
    result("write /usr/bin/pwned", open("/usr/bin/pwned", O_WRONLY | O_CREAT, 0755) >= 0);
    result("write /etc/pwned", open("/etc/pwned", O_WRONLY | O_CREAT, 0644) >= 0);
    result("write /pwned", open("/pwned", O_WRONLY | O_CREAT, 0644) >= 0);
    result("mount a tmpfs", mount("none", "/tmp", "tmpfs", 0, NULL) == 0);
    result("unshare a user namespace", unshare(0x10000000 /* CLONE_NEWUSER */) == 0);
    /* pid 1 is the sandbox's own init; host processes are not even visible. */
    result("ptrace the sandbox's init", ptrace(PTRACE_ATTACH, 1, NULL, NULL) == 0);
    result("kill the sandbox's init", kill(1, 9) == 0);
    fflush(stdout);
    return 0;
}
