// SPDX-License-Identifier: GPL-2.0
/*
 * The reference for rtguard's hook cost: programs that do nothing, on the same tracepoints
 * and attach types as bpf/rtguard.bpf.c. What they add to a syscall, a fork or an exec is
 * the price of having any program there at all (entering the tracepoint, the syscall slow
 * path that an enabled sys_enter/sys_exit tracepoint switches every task to); what rtguard
 * adds beyond it is the work of its own programs.
 */
#include "vmlinux.h"

#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/sys_enter")
int empty_enter_btf(void* ctx) {
    return 0;
}

SEC("raw_tp/sys_enter")
int empty_enter_raw(void* ctx) {
    return 0;
}

SEC("tp_btf/sys_exit")
int empty_exit_btf(void* ctx) {
    return 0;
}

SEC("raw_tp/sys_exit")
int empty_exit_raw(void* ctx) {
    return 0;
}

SEC("tp_btf/sched_process_exec")
int empty_exec_btf(void* ctx) {
    return 0;
}

SEC("raw_tp/sched_process_exec")
int empty_exec_raw(void* ctx) {
    return 0;
}

SEC("tp_btf/sched_process_fork")
int empty_fork_btf(void* ctx) {
    return 0;
}

SEC("raw_tp/sched_process_fork")
int empty_fork_raw(void* ctx) {
    return 0;
}

SEC("tp_btf/sched_process_exit")
int empty_pexit_btf(void* ctx) {
    return 0;
}

SEC("raw_tp/sched_process_exit")
int empty_pexit_raw(void* ctx) {
    return 0;
}
