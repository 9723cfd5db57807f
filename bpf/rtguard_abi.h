/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rtguard_abi.h: the records the BPF programs send to user space through the ring buffer,
 * and the keys and values of the maps user space fills. Shared by bpf/rtguard.bpf.c and
 * src/live/; both sides check the layouts with static asserts.
 *
 * Every record starts with struct rtg_hdr. Record type numbers equal rtguard::EventKind and
 * are never reused. Variable-length parts follow the fixed part and are sent with only the
 * bytes used; their lengths are in the fixed part and strings carry no terminating NUL.
 */
#ifndef RTGUARD_ABI_H
#define RTGUARD_ABI_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

/* Record types (= rtguard::EventKind). 7 (lost) is produced by user space only. */
#define RTG_EV_EXEC 1
#define RTG_EV_EXIT 2
#define RTG_EV_OPEN 3
#define RTG_EV_NET 4
#define RTG_EV_SYSCALL 5
#define RTG_EV_IO_URING 6
#define RTG_EV_LOST 7
#define RTG_EV_FORK 8
#define RTG_EV_MAX 9 /* size of the per-kind lost counter array */

/* Limits of the variable-length parts. */
#define RTG_PATH_MAX 1024     /* resolved paths (executable, cwd, base directory) */
#define RTG_PATH_STEPS 40     /* components plus mount crossings; deeper paths lose the first */
#define RTG_NAME_MAX 256      /* one path component, with its NUL */
#define RTG_FILENAME_MAX 512  /* execve filename, interpreter, open(2) path */
#define RTG_ARGV_MAX 2048     /* argument bytes of an exec, NUL-separated */
#define RTG_UNIX_PATH_MAX 108 /* sun_path */
#define RTG_SYSCALL_BITS 512  /* syscall numbers tracked for first use */

/* Workload key in the kernel maps: a tree root's tgid with this bit, or a cgroup id. */
#define RTG_WL_TREE_BIT (1ULL << 63)

/* Flags of struct rtg_exec. */
#define RTG_EXEC_DELETED (1U << 0)    /* i_nlink == 0 */
#define RTG_EXEC_MEMFD (1U << 1)      /* shmem or hugetlbfs file named "memfd:..." */
#define RTG_EXEC_OVERLAY (1U << 2)    /* file on overlayfs */
#define RTG_EXEC_UPPER (1U << 3)      /* overlayfs file with an upper-layer dentry */
#define RTG_EXEC_TMPFS (1U << 4)      /* file on tmpfs/shmem */
#define RTG_EXEC_PATH_TRUNC (1U << 5) /* path deeper or longer than the limits */
#define RTG_EXEC_ARGV_TRUNC (1U << 6) /* argument bytes beyond RTG_ARGV_MAX dropped */
#define RTG_EXEC_LOADER (1U << 7)     /* executable's name starts with "ld-" or is "ld.so" */

/* Flags of struct rtg_open. */
#define RTG_OPEN_BASE_TRUNC (1U << 0) /* base directory path truncated */
#define RTG_OPEN_BASE_FD (1U << 1)    /* base is the directory of dirfd, not the cwd */
#define RTG_OPEN_RESOLVED (1U << 2)   /* data is the opened file's path; base_len is 0 */
#define RTG_OPEN_PATH_TRUNC (1U << 3) /* resolved path truncated: leading components missing */

/* Values of struct rtg_net.op (= rtguard::NetOp). */
#define RTG_NET_CONNECT 1
#define RTG_NET_BIND 2
#define RTG_NET_LISTEN 3
#define RTG_NET_ACCEPT 4

/* Values of struct rtg_io_uring.op (= rtguard::IoUringOp). */
#define RTG_URING_SETUP 1
#define RTG_URING_ENTER 2

/* Indexes of the per-CPU error counters. */
#define RTG_ERR_READ 0	      /* a kernel or user memory read failed */
#define RTG_ERR_PATH_TRUNC 1  /* a path was truncated */
#define RTG_ERR_TRACK_FULL 2  /* a forked child could not be added to the watched tgids */
#define RTG_ERR_BITMAP_FULL 3 /* no longer counted: every workload's bitmap is in its slot */
#define RTG_ERR_DEDUPE 4      /* a dedupe entry could not be inserted (event sent anyway) */
#define RTG_ERR_MAX 5

struct rtg_hdr {
	__u16 type;    /* RTG_EV_* */
	__u16 size;    /* bytes of the whole record, header included */
	__u32 tgid;    /* process; for fork records the child */
	__u64 time_ns; /* CLOCK_BOOTTIME */
	__u32 tid;
	__u32 ppid; /* tgid of the parent; for fork records the forking process */
	__u32 uid;
	__u32 tree;	 /* root tgid of the watched process tree, 0 when watched by cgroup */
	__u64 cgroup_id; /* cgroup v2 id */
	__u64 exe_ino;	 /* the process's executable (mm->exe_file), 0 when it has none */
	__u32 exe_dev;	 /* kernel dev_t of exe_ino's superblock */
	__u32 pad;
	char comm[16];
};

struct rtg_exec {
	struct rtg_hdr hdr;
	__u64 dev; /* kernel dev_t of the executed file's superblock */
	__u64 ino;
	__u32 flags; /* RTG_EXEC_* */
	__u32 nlink;
	__u32 fs_magic;	    /* s_magic of the file's superblock */
	__u16 path_len;	    /* executable path from the task's root */
	__u16 filename_len; /* filename given to execve */
	__u16 interp_len;   /* bprm->interp (differs from filename for #! scripts) */
	__u16 argv_len;	    /* arguments, each ending in NUL unless truncated */
	__u16 cwd_len;	    /* working directory */
	__u16 argc;	    /* arguments the process got (may exceed those sent) */
	char data[];	    /* filename, interp, argv, path, cwd: in this order, back to back */
};

struct rtg_exit {
	struct rtg_hdr hdr;
	__s32 exit_code; /* task->exit_code: wait status */
	__u32 pad;
};

struct rtg_fork {
	struct rtg_hdr hdr;
	__u32 child_tid;
	__u32 pad;
};

struct rtg_open {
	struct rtg_hdr hdr;
	__u32 open_flags; /* open(2) flags */
	__u32 flags;	  /* RTG_OPEN_* */
	__s32 nr;	  /* the syscall: open, openat, openat2 or creat */
	__s32 dirfd;
	__u16 base_len; /* data[0, base_len): directory a relative path starts from */
	__u16 path_len; /* then the path as the process passed it, or the resolved path */
	__s32 result;	/* the new descriptor, or -errno */
	char data[];
};

struct rtg_net {
	struct rtg_hdr hdr;
	__u32 op;	/* RTG_NET_* */
	__u32 family;	/* AF_INET, AF_INET6, AF_UNIX */
	__u32 protocol; /* IPPROTO_TCP, IPPROTO_UDP, 0 when unknown */
	__u32 port;	/* host byte order; listen and accept: the local side */
	__u8 addr[16];	/* network byte order; AF_INET uses the first 4 bytes */
	__s32 fd;
	__u32 path_len; /* AF_UNIX: data[0, path_len) is sun_path; abstract names start with NUL */
	char data[];
};

struct rtg_syscall {
	struct rtg_hdr hdr;
	__s32 nr;
	__u32 pad;
};

struct rtg_io_uring {
	struct rtg_hdr hdr;
	__u32 op;    /* RTG_URING_* */
	__u32 count; /* setup: entries asked for; enter: entries to submit */
};

/*
 * Workloads watched at once. Each has a slot, given by user space when it starts watching:
 * the slot holds the workload's key and the syscalls it has used (see struct rtg_slot).
 */
#define RTG_WL_SLOTS 4096

struct rtg_slot {
	__u64 key;  /* RTG_WL_TREE_BIT | root tgid, or the cgroup id */
	__u32 tree; /* root tgid, 0 for a cgroup */
	__u32 pad;
	__u64 seen[RTG_SYSCALL_BITS / 64]; /* syscalls reported for the workload */
};

/* The value of a watched tgid: the root of its process tree and the tree's slot. */
struct rtg_tree {
	__u32 root;
	__u32 flags; /* RTG_TREE_* */
	__u32 slot;
	__u32 pad;
};

/*
 * An entry of the tgid table, the fast way from a tgid to its slot: tgid in bits 0-31, slot
 * in 32-47, RTG_TREE_* flags in 48-63; 0 is a free entry. Entry tgid & (RTG_TGID_TABLE - 1)
 * holds a watched tgid unless another watched tgid holds it already; the maps stay the
 * authority.
 */
#define RTG_TGID_TABLE (1U << 16)
#define RTG_TGID_ENTRY(tgid, slot, flags)                                                          \
	((__u64)(__u32)(tgid) | ((__u64)((slot)&0xffff) << 32) | ((__u64)((flags)&0xffff) << 48))

/*
 * The cgroup table, the fast way from a watched cgroup's id to its slot: a cgroup sits at
 * entry id & (RTG_CGROUP_TABLE - 1) unless another holds it, which then is marked collided
 * (ask watched_cgroups). An entry neither holding the id nor collided means: not watched.
 */
#define RTG_CGROUP_TABLE (1U << 13)
struct rtg_cgroup_entry {
	__u64 id; /* 0: free */
	__u32 slot;
	__u32 collided;
};

/*
 * A process user space started for watching: between fork and its first exec it runs the
 * starter's code, which is not the workload's. It produces no records but the exec (and the
 * first use of execve), which clears the flag.
 */
#define RTG_TREE_PENDING_EXEC (1U << 0)

/* Key of the kernel dedupe cache. */
struct rtg_dedupe_key {
	__u64 workload;
	__u64 a;
	__u64 b;
	__u32 kind;
	__u32 c;
};

#ifdef __cplusplus
#define RTG_STATIC_ASSERT static_assert
#else
#define RTG_STATIC_ASSERT _Static_assert
#endif

RTG_STATIC_ASSERT(sizeof(struct rtg_hdr) == 72, "rtg_hdr layout");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_hdr, time_ns) == 8, "rtg_hdr.time_ns");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_hdr, cgroup_id) == 32, "rtg_hdr.cgroup_id");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_hdr, exe_ino) == 40, "rtg_hdr.exe_ino");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_hdr, comm) == 56, "rtg_hdr.comm");
RTG_STATIC_ASSERT(sizeof(struct rtg_exec) == 112, "rtg_exec layout");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_exec, path_len) == 100, "rtg_exec.path_len");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_exec, data) == 112, "rtg_exec.data");
RTG_STATIC_ASSERT(sizeof(struct rtg_exit) == 80, "rtg_exit layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_fork) == 80, "rtg_fork layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_open) == 96, "rtg_open layout");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_open, data) == 96, "rtg_open.data");
RTG_STATIC_ASSERT(sizeof(struct rtg_net) == 112, "rtg_net layout");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_net, addr) == 88, "rtg_net.addr");
RTG_STATIC_ASSERT(__builtin_offsetof(struct rtg_net, data) == 112, "rtg_net.data");
RTG_STATIC_ASSERT(sizeof(struct rtg_syscall) == 80, "rtg_syscall layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_io_uring) == 80, "rtg_io_uring layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_dedupe_key) == 32, "rtg_dedupe_key layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_slot) == 80, "rtg_slot layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_tree) == 16, "rtg_tree layout");
RTG_STATIC_ASSERT(sizeof(struct rtg_cgroup_entry) == 16, "rtg_cgroup_entry layout");
RTG_STATIC_ASSERT(RTG_WL_SLOTS <= 0x10000, "slots fit a tgid table entry");

#endif /* RTGUARD_ABI_H */
