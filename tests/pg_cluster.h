/*
 * pg_cluster.h - a throwaway PostgreSQL server for the sync tests and bench_sync: initdb in a new
 * temporary folder, a free loopback port, its unix socket in that folder, fsync off (a test cluster),
 * stopped and removed when the process exits. One cluster per test process, shared by its cases.
 *
 * The binaries are Debian's (/usr/lib/postgresql/VERSION/bin, the highest version). As root the server
 * runs as the `postgres` system user (initdb refuses root): through runuser. Local connections of the
 * superuser `postgres` are trusted (the test sets things up through them); TCP asks every role for
 * its password (scram-sha-256), as a clinic's server does. When PostgreSQL is not installed the test
 * is skipped (check_skip), never passed; `make test` installs it (tools/install-deps.sh).
 * Header-only: every helper is static.
 */
#ifndef STATION_TESTS_PG_CLUSTER_H
#define STATION_TESTS_PG_CLUSTER_H

#include <glob.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"

struct pg_cluster {
    char bin[256];  /* the folder of initdb, pg_ctl */
    char dir[256];  /* the temporary folder: data/ and the socket */
    int port;
    bool up;
    pid_t owner;    /* the process that started it (a forked child never stops it) */
    char extra[768]; /* more server options for the next start ("-c ssl=on ..."), or "" */
};
static struct pg_cluster pg_the;

/* Runs argv (as the postgres user when we are root), stdout and stderr to the cluster's log; its exit
 * status. */
static inline int pg_run(char *const argv[])
{
    char log[320];
    snprintf(log, sizeof log, "%s/commands.log", pg_the.dir);
    fflush(NULL); /* the child must not write our buffered output a second time */
    pid_t pid = fork();
    if (pid == 0) {
        FILE *f = freopen(log, "a", stdout);
        if (!f || dup2(fileno(stdout), 2) < 0 || !freopen("/dev/null", "r", stdin))
            _exit(127);
        if (getuid() == 0) {
            char *full[24] = {"runuser", "-u", "postgres", "--"};
            int k = 4;
            for (int i = 0; argv[i] && k < 23; i++)
                full[k++] = argv[i];
            full[k] = NULL;
            execvp("runuser", full);
        } else {
            execv(argv[0], argv);
        }
        _exit(127);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static inline int pg_ctl(const char *action)
{
    char ctl[320], data[320], opts[1400], log[320];
    snprintf(ctl, sizeof ctl, "%s/pg_ctl", pg_the.bin);
    snprintf(data, sizeof data, "%s/data", pg_the.dir);
    snprintf(log, sizeof log, "%s/server.log", pg_the.dir);
    snprintf(opts, sizeof opts,
             "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
             "-c full_page_writes=off -c max_connections=40 %s",
             pg_the.port, pg_the.dir, pg_the.extra);
    if (!strcmp(action, "start")) {
        char *argv[] = {ctl, "-D", data, "-o", opts, "-l", log, "-w", "-t", "60", "start", NULL};
        return pg_run(argv);
    }
    char *argv[] = {ctl, "-D", data, "-m", (char *)action, "-w", "-t", "60", "stop", NULL};
    return pg_run(argv);
}

/* Stops the server ("fast": connections are cut, as when a server goes down) or starts it again. */
static inline bool pg_cluster_stop(void)
{
    bool ok = pg_the.up && pg_ctl("fast") == 0;
    pg_the.up = false;
    return ok;
}
static inline bool pg_cluster_start_again(void)
{
    pg_the.up = pg_ctl("start") == 0;
    return pg_the.up;
}

static inline void pg_cluster_cleanup(void)
{
    if (pg_the.owner != getpid() || !pg_the.dir[0])
        return;
    if (pg_the.up)
        pg_ctl("immediate");
    pg_the.up = false;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        execlp("rm", "rm", "-rf", pg_the.dir, (char *)NULL);
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
    pg_the.dir[0] = '\0';
}

static inline int pg_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/*
 * The process's cluster, started on first use (later calls return it). Skips the current case when
 * PostgreSQL is not installed; fails it (REQUIRE) when it is but cannot start.
 */
static inline const struct pg_cluster *pg_cluster(void)
{
    if (pg_the.up)
        return &pg_the;
    if (!pg_the.dir[0]) {
        glob_t g;
        if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) != 0 || g.gl_pathc == 0)
            check_skip("PostgreSQL is not installed (Debian package postgresql): the sync needs a real server");
        /* glob sorts: the last is the highest version (one digit more sorts later only from 10 on) */
        snprintf(pg_the.bin, sizeof pg_the.bin, "%s", g.gl_pathv[g.gl_pathc - 1]);
        *strrchr(pg_the.bin, '/') = '\0';
        globfree(&g);
        snprintf(pg_the.dir, sizeof pg_the.dir, "/tmp/station-pg-XXXXXX");
        REQUIRE(mkdtemp(pg_the.dir) != NULL);
        pg_the.owner = getpid();
        atexit(pg_cluster_cleanup);
        if (getuid() == 0) {
            struct passwd *pw = getpwnam("postgres");
            if (!pw)
                check_skip("PostgreSQL is installed but there is no postgres system user to run it");
            REQUIRE(chown(pg_the.dir, pw->pw_uid, pw->pw_gid) == 0);
        }
        char initdb[320], data[320];
        snprintf(initdb, sizeof initdb, "%s/initdb", pg_the.bin);
        snprintf(data, sizeof data, "%s/data", pg_the.dir);
        char *argv[] = {initdb, "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                        "-E", "UTF8", "--no-sync", "--no-instructions", NULL};
        if (pg_run(argv) != 0) {
            char log[320];
            snprintf(log, sizeof log, "%s/commands.log", pg_the.dir);
            char *text = check_read_file(log, NULL);
            fprintf(stderr, "initdb failed:\n%s\n", text ? text : "");
            free(text);
            REQUIRE(!"initdb of the test cluster");
        }
        pg_the.port = pg_free_port();
        REQUIRE(pg_the.port > 0);
    }
    REQUIRE(pg_cluster_start_again());
    return &pg_the;
}

/* A superuser connection to database db (through the socket; trusted). The caller PQfinish()es it. */
static inline PGconn *pg_super(const char *db)
{
    char conninfo[512];
    snprintf(conninfo, sizeof conninfo, "host=%s port=%d user=postgres dbname=%s", pg_the.dir, pg_the.port, db);
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fprintf(stderr, "pg_super: %s", PQerrorMessage(c));
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    return c;
}

/* Runs sql as the superuser on db; true when it succeeded (the server's message on stderr if not). */
static inline bool pg_exec(const char *db, const char *sql)
{
    PGconn *c = pg_super(db);
    PGresult *r = PQexec(c, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "pg_exec: %s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    return ok;
}

/* The first column of the first row of a query as a number (-1 when it failed). */
static inline long long pg_int(const char *db, const char *sql)
{
    PGconn *c = pg_super(db);
    PGresult *r = PQexec(c, sql);
    long long v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0 ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
                                                                           : -1;
    if (v < 0)
        fprintf(stderr, "pg_int: %s", PQresultErrorMessage(r));
    PQclear(r);
    PQfinish(c);
    return v;
}

/* The URL of role:password on database db over TCP (what a station is given), into buf. */
static inline const char *pg_url(char *buf, size_t size, const char *role, const char *password, const char *db)
{
    snprintf(buf, size, "postgresql://%s:%s@127.0.0.1:%d/%s", role, password, pg_the.port, db);
    return buf;
}

#endif
