// SPDX-License-Identifier: Apache-2.0
/*
 * rtguard.bpf.c: what watched workloads do, sent to user space through one ring buffer.
 *
 * Only tasks of a watched workload produce records: a tgid in watched_tgids (a process tree
 * started or adopted by user space; children join at fork) or a task in a cgroup listed in
 * watched_cgroups. Every syscall of every process asks that question, so it is answered by
 * plain loads from global data wherever possible (a bitmap of watched tgids, a table from
 * tgid to the workload's slot, a table of watched cgroup ids), and the maps only where the
 * tables cannot hold an entry. Repeats are dropped here, not in user space: a cache of
 * hashed keys remembers which (workload, file) exec, (workload, opened file, flags) open and
 * (workload, address) network records were sent. A record the ring buffer has no room for
 * is counted per kind in lost_counts, which user space turns into lost events.
 *
 * Each hook exists twice, as tp_btf and as raw_tp program; user space loads one set (see
 * src/live/hooks.hpp). The bodies are the same; on the syscall paths the tp_btf programs
 * load task and register fields directly where the raw_tp ones use BPF_CORE_READ.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "rtguard_abi.h"

char LICENSE[] SEC("license") = "GPL";

/* x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
#define NR_OPEN 2
#define NR_CONNECT 42
#define NR_ACCEPT 43
#define NR_BIND 49
#define NR_LISTEN 50
#define NR_EXECVE 59
#define NR_CREAT 85
#define NR_OPENAT 257
#define NR_ACCEPT4 288
#define NR_EXECVEAT 322
#define NR_IO_URING_SETUP 425
#define NR_IO_URING_ENTER 426
#define NR_OPENAT2 437

#define AT_FDCWD -100
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define O_WRONLY 01
#define O_CREAT 0100
#define O_TRUNC 01000
#define TS_COMPAT 0x0002 /* arch/x86/include/asm/thread_info.h: a 32-bit syscall */

#define TMPFS_MAGIC 0x01021994
#define HUGETLBFS_MAGIC 0x958458f6
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/*
 * Variable-length parts are written at data + (off & RTG_DATA_MASK), every single read is at
 * most RTG_ARGV_MAX bytes, so the verifier can bound each write inside the scratch buffer.
 */
#define RTG_DATA_SIZE 8192
#define RTG_DATA_MASK (RTG_DATA_SIZE - 1)
#define RTG_SCRATCH_SIZE (RTG_DATA_SIZE + RTG_ARGV_MAX + 256)
#define RTG_BUF_MASK RTG_DATA_MASK /* masks offsets from the start of the scratch buffer */
#define RTG_WALK_SLOTS 64
#define RTG_RECORD_MAX 8192	/* no record is larger: bounds bpf_ringbuf_output's size */
#define RTG_OPEN_PATH_SPOT 2048 /* where an open attempt parks the user path, behind the base */

/* Set by user space before load. */
const volatile __u32 agent_tgid = 0;
const volatile __u32 dedupe = 1;
const volatile __u64 hash_seed = 0xcbf29ce484222325ULL;
const volatile __u32 lookup_tables = 1;	      /* 0: tgid and cgroup tables stay empty */
const volatile __u32 dedupe_set_mask = 16383; /* dedupe_sets' entries - 1 */
const volatile __u64 quiet_limit = 1 << 20;   /* see quiet() */

/* Set by user space while running: whether any cgroup is watched (saves a lookup per syscall). */
__u32 cgroups_watched = 0;

/*
 * Raised by user space after every change to watched_tgids or watched_cgroups from its side:
 * a task's cached verdict (struct rtg_task) holds only while the generation it was made in is
 * current. Changes made here (a child joining at fork, an exec ending the pending state) reach
 * the tasks they concern directly.
 */
__u32 watch_gen = 1;

/*
 * One bit per tgid that is in watched_tgids (the kernel's pids are below 2^22): the test every
 * syscall of an unwatched process ends at, while no cgroup is watched, is one load from here.
 * Set and cleared together with the map entries, by user space and by fork and exit.
 */
#define RTG_TGID_WORDS (1U << 16)
__u64 watched_tgid_bits[RTG_TGID_WORDS];

static __always_inline __u64 *tgid_word(__u32 tgid)
{
	return &watched_tgid_bits[(tgid >> 6) & (RTG_TGID_WORDS - 1)];
}

/* The tgid table (see RTG_TGID_ENTRY) and the workloads' slots, written by user space too. */
__u64 tgid_table[RTG_TGID_TABLE];
struct rtg_cgroup_entry cgroup_table[RTG_CGROUP_TABLE];
struct rtg_slot slots[RTG_WL_SLOTS];

static __always_inline __u64 *tgid_entry(__u32 tgid)
{
	return &tgid_table[tgid & (RTG_TGID_TABLE - 1)];
}

static __always_inline struct rtg_slot *slot_of(__u32 slot)
{
	return &slots[slot & (RTG_WL_SLOTS - 1)];
}

struct rtg_scratch {
	char buf[RTG_SCRATCH_SIZE];
	const unsigned char *names[RTG_WALK_SLOTS];
	__u32 path_total; /* see rtg_append_path */
};

struct workload {
	__u64 key; /* RTG_WL_TREE_BIT | root tgid, or the cgroup id */
	__u64 cgroup;
	__u32 tree;
	__u32 pending;		/* watched, but its first exec is still to come */
	struct rtg_tree *entry; /* the watched_tgids value, for a tree */
	__u32 slot;
	__u32 pad;
};

/*
 * What a task's syscalls need when the tgid table cannot answer (a cgroup's task, a tgid
 * whose table entry another one holds): whether the task belongs to a watched workload,
 * found once through the hash maps and then read from here, in the task itself.
 */
struct rtg_task {
	__u32 gen;     /* watch_gen of the verdict; 0: none yet */
	__u32 watched; /* the verdict: 1 when the task belongs to the workload below */
	__u64 key;     /* as in struct workload */
	__u64 cgroup;
	__u32 tree;
	__u32 pending;
	__u32 slot;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct rtg_tree);
} watched_tgids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} watched_cgroups SEC(".maps");

/*
 * The dedupe cache: sets of four tags (hashes of struct rtg_dedupe_key), indexed by tag. An
 * array's lookup is a few instructions, not a helper call and a hash table walk. A new key
 * takes a free way of its set or else displaces one, whose record may then be sent again.
 */
struct rtg_dedupe_set {
	__u64 tag[4]; /* 0: free */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct rtg_dedupe_set);
} dedupe_sets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct rtg_task);
} task_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTG_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, RTG_ERR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} error_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct rtg_scratch);
} scratch SEC(".maps");

static __always_inline void count(void *map, __u32 idx)
{
	__u64 *n;

	n = bpf_map_lookup_elem(map, &idx);
	if (n)
		*n += 1;
}

static __always_inline struct rtg_scratch *get_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/* Fills *wl and returns 1 when the current task belongs to a watched workload. */
static __always_inline int current_workload(struct workload *wl)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct rtg_tree *tree;
	__u32 *slot;
	__u64 cgroup;

	if (tgid == agent_tgid)
		return 0;

	/* A watched process tree wins over a watched cgroup. */
	tree = bpf_map_lookup_elem(&watched_tgids, &tgid);
	if (!tree && !cgroups_watched)
		return 0;
	cgroup = bpf_get_current_cgroup_id();
	wl->cgroup = cgroup;
	if (tree) {
		wl->tree = tree->root;
		wl->key = RTG_WL_TREE_BIT | tree->root;
		wl->pending = tree->flags & RTG_TREE_PENDING_EXEC;
		wl->entry = tree;
		wl->slot = tree->slot;
		return 1;
	}

	slot = bpf_map_lookup_elem(&watched_cgroups, &cgroup);
	if (!slot)
		return 0;
	wl->tree = 0;
	wl->key = cgroup;
	wl->pending = 0;
	wl->entry = NULL;
	wl->slot = *slot;
	return 1;
}

/*
 * current_workload() through the task's cache, for a tree's tgid that the tgid table does not
 * hold: the maps are asked only when the cached verdict was made in an older watch
 * generation. A verdict by cgroup is not kept (the task may move). *tp is the task's cache
 * entry, NULL when none could be made (then the maps answer every time).
 */
static __always_inline int cached_workload(struct workload *wl, struct rtg_task **tp)
{
	__u32 gen = *(volatile __u32 *)&watch_gen;
	struct workload fresh = {};
	struct rtg_task *t;

	t = bpf_task_storage_get(&task_cache, bpf_get_current_task_btf(), NULL,
				 BPF_LOCAL_STORAGE_GET_F_CREATE);
	*tp = t;
	if (!t)
		return current_workload(wl);
	if (t->gen != gen) {
		t->watched = current_workload(&fresh);
		t->key = fresh.key;
		t->tree = fresh.tree;
		t->pending = fresh.pending;
		t->slot = fresh.slot;
		t->cgroup = fresh.cgroup;
		t->gen = fresh.tree || !t->watched ? gen : 0;
	}
	if (!t->watched)
		return 0;
	wl->key = t->key;
	wl->cgroup = t->cgroup;
	wl->tree = t->tree;
	wl->pending = t->pending;
	wl->slot = t->slot;
	wl->entry = NULL;
	return 1;
}

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/*
 * The current task, for the syscall paths, which every syscall of every process takes. On
 * Linux 6.18 x86-64, bpf_get_current_task() plus a cast (the verifier inlines bpf_rdonly_cast)
 * costs some 15 ns less per call than bpf_get_current_task_btf(), measured with the kernel's
 * BPF statistics (bench/run, hooks). The pointer is not trusted: helpers that want a task
 * take the _btf one.
 */
static __always_inline struct task_struct *syscall_task(int btf)
{
	void *task = (void *)bpf_get_current_task();

	return btf ? bpf_rdonly_cast(task, bpf_core_type_id_kernel(struct task_struct)) : task;
}

/* The task's cgroup v2 id: under BTF four plain loads, the helper call otherwise. */
static __always_inline __u64 task_cgroup_id(struct task_struct *task, int btf)
{
	if (btf)
		return task->cgroups->dfl_cgrp->kn->id;
	return bpf_get_current_cgroup_id();
}

/*
 * The workload of the current task, for a syscall, by plain loads wherever they can tell:
 * the tgid table for a process tree's member, else the tgid bitmap (not in a tree), then,
 * while cgroups are watched, the cgroup table. Only a tree's tgid whose table entry another
 * holds, and a cgroup whose entry collided, take the maps. *tp is the task's cache entry
 * when that was asked, NULL otherwise.
 */
static __always_inline int syscall_workload(struct task_struct *task, int btf, struct workload *wl,
					    struct rtg_task **tp)
{
	__u32 tgid = btf ? task->tgid : BPF_CORE_READ(task, tgid);
	__u64 e = *(volatile __u64 *)tgid_entry(tgid);
	struct rtg_cgroup_entry *c;
	struct rtg_slot *sl;
	__u64 cgroup;
	__u32 *slot;

	*tp = NULL;
	if ((__u32)e == tgid && tgid) {
		sl = slot_of(e >> 32);
		wl->slot = (e >> 32) & 0xffff;
		wl->key = sl->key;
		wl->tree = sl->tree;
		wl->pending = (e >> 48) & RTG_TREE_PENDING_EXEC;
		wl->entry = NULL;
		return 1;
	}
	if ((*tgid_word(tgid) >> (tgid & 63)) & 1)
		return cached_workload(wl, tp);
	if (!cgroups_watched || tgid == agent_tgid)
		return 0;

	cgroup = task_cgroup_id(task, btf);
	c = &cgroup_table[cgroup & (RTG_CGROUP_TABLE - 1)];
	if (*(volatile __u64 *)&c->id == cgroup && cgroup) {
		wl->slot = c->slot;
	} else if (c->collided) {
		slot = bpf_map_lookup_elem(&watched_cgroups, &cgroup);
		if (!slot)
			return 0;
		wl->slot = *slot;
	} else {
		return 0;
	}
	wl->key = cgroup;
	wl->cgroup = cgroup;
	wl->tree = 0;
	wl->pending = 0;
	wl->entry = NULL;
	return 1;
}

static __always_inline void fill_hdr(struct rtg_hdr *h, __u16 type, __u32 size,
				     const struct workload *wl)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct file *exe;

	h->type = type;
	h->size = size;
	h->tgid = id >> 32;
	h->tid = (__u32)id;
	h->time_ns = bpf_ktime_get_boot_ns();
	h->ppid = BPF_CORE_READ(task, real_parent, tgid);
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->tree = wl->tree;
	h->cgroup_id = bpf_get_current_cgroup_id();

	/*
	 * The executable by identity: user space learns paths from exec records, and an exec
	 * dropped as a repeat still changes what later records of this process ran.
	 */
	exe = BPF_CORE_READ(task, mm, exe_file);
	h->exe_ino = exe ? BPF_CORE_READ(exe, f_inode, i_ino) : 0;
	h->exe_dev = exe ? BPF_CORE_READ(exe, f_inode, i_sb, s_dev) : 0;
	h->pad = 0;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline __u64 mix(__u64 h, __u64 v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 31);
}

/* The key's tag, never 0; seeded like rtg_hash. */
static __always_inline __u64 dedupe_tag(const struct rtg_dedupe_key *key)
{
	__u64 h = mix(hash_seed, key->workload);

	h = mix(h, key->a);
	h = mix(h, key->b);
	h = mix(h, ((__u64)key->kind << 32) | key->c);
	return h | 1;
}

static __always_inline struct rtg_dedupe_set *dedupe_set(__u64 tag)
{
	__u32 idx = (tag >> 32) & dedupe_set_mask;

	return bpf_map_lookup_elem(&dedupe_sets, &idx);
}

/*
 * Dedupe: returns 1 when this key was already sent for the workload. The key is entered
 * now; forget() takes it out again when the record then cannot be sent, so a loss is retried.
 * Two CPUs entering the same key at once may both send it: user space keeps sets anyway.
 */
static __always_inline int seen_before(struct rtg_dedupe_key *key)
{
	struct rtg_dedupe_set *set;
	__u64 tag;
	__u32 way;

	if (!dedupe)
		return 0;
	tag = dedupe_tag(key);
	set = dedupe_set(tag);
	if (!set)
		return 0;
	if (set->tag[0] == tag || set->tag[1] == tag || set->tag[2] == tag || set->tag[3] == tag)
		return 1;
	if (!set->tag[0])
		way = 0;
	else if (!set->tag[1])
		way = 1;
	else if (!set->tag[2])
		way = 2;
	else if (!set->tag[3])
		way = 3;
	else
		way = (set->tag[0] ^ set->tag[3] ^ tag) >> 61; /* varies with what the set holds */
	set->tag[way & 3] = tag;
	return 0;
}

static __always_inline void forget(struct rtg_dedupe_key *key)
{
	struct rtg_dedupe_set *set;
	__u64 tag;
	int i;

	if (!dedupe)
		return;
	tag = dedupe_tag(key);
	set = dedupe_set(tag);
	if (!set)
		return;
	for (i = 0; i < 4; i++) {
		if (set->tag[i] == tag)
			set->tag[i] = 0;
	}
}

/*
 * Submit flags of the frequent records that raise no alert by themselves: fork, exit, first
 * syscall use. Waking the reader is an interrupt and, on a virtual machine, a cross-CPU
 * interrupt the host must deliver; these records wait for the reader's next poll, or for a
 * record that wakes it, unless the ring buffer holds more than quiet_limit bytes.
 */
static __always_inline __u64 quiet(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) > quiet_limit ? BPF_RB_FORCE_WAKEUP
									   : BPF_RB_NO_WAKEUP;
}

/* Sends a filled variable-length record; counts it lost when the ring buffer is full. */
static __always_inline int send(void *rec, __u32 size, __u32 kind, struct rtg_dedupe_key *key)
{
	if (size > RTG_RECORD_MAX)
		size = RTG_RECORD_MAX;
	if (bpf_ringbuf_output(&events, rec, size & (RTG_RECORD_MAX * 2 - 1), 0)) {
		count(&lost_counts, kind);
		if (key)
			forget(key);
	}
	return 0;
}

/*
 * The two loops below are global functions: the verifier checks a global function once,
 * with its scalar arguments unknown, instead of once per caller state. Inlined, the path
 * walks of one exec alone pass the verifier's limit of a million instructions.
 */

/*
 * Hash of scratch bytes [at, at + len), len < RTG_ARGV_MAX, eight bytes a step: a path costs
 * a few rounds, not one per byte. Seeded per load, so that no one can pick names that collide
 * with what a workload has opened and have an open dropped as a repeat.
 */
__noinline __u64 rtg_hash(__u32 at, __u32 len)
{
	struct rtg_scratch *s = get_scratch();
	__u32 i, words = len >> 3, left = len & 7;
	__u64 h = hash_seed ^ len, w;

	if (!s)
		return 0;
	for (i = 0; i < RTG_ARGV_MAX / 8; i++) {
		if (i >= words)
			break;
		w = *(__u64 *)&s->buf[(at + i * 8) & RTG_BUF_MASK];
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 31;
	}
	if (left) {
		w = *(__u64 *)&s->buf[(at + words * 8) & RTG_BUF_MASK];
		w &= ~0ULL >> ((64 - left * 8) & 63);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 31;
	}
	return h;
}

/* Copies a kernel string to data + off; returns the bytes copied without the NUL. */
static __always_inline __u32 copy_kstr(char *data, __u32 off, __u32 max, const void *src)
{
	long n;

	n = bpf_probe_read_kernel_str(&data[off & RTG_DATA_MASK], max & (RTG_ARGV_MAX - 1), src);
	if (n <= 0) {
		count(&error_counts, RTG_ERR_READ);
		return 0;
	}
	return n - 1;
}

static __always_inline struct mount *real_mount(struct vfsmount *vfsmnt)
{
	return (void *)vfsmnt - bpf_core_field_offset(struct mount, mnt);
}

/*
 * Writes the path of (vfsmnt, dentry) as the current task sees it from its root to scratch
 * offset at, crossing mount points. Returns its length (at most RTG_PATH_MAX), with
 * RTG_PATH_TRUNCATED set when the walk gave up before the root or the path grew too long;
 * the leading components are then the ones missing.
 */
#define RTG_PATH_TRUNCATED (1 << 30)

__noinline int rtg_append_path(__u32 at, __u64 vfsmnt_addr, __u64 dentry_addr)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct vfsmount *vfsmnt = (void *)vfsmnt_addr;
	struct dentry *dentry = (void *)dentry_addr;
	struct dentry *root_dentry, *mnt_root, *parent;
	struct vfsmount *root_mnt;
	struct mount *mnt, *mnt_parent;
	struct rtg_scratch *s;
	const unsigned char *name;
	int trunc = RTG_PATH_TRUNCATED;
	__u32 len = 0, i;
	long n;

	s = get_scratch();
	if (!s || !vfsmnt || !dentry)
		return 0;
	mnt = real_mount(vfsmnt);
	root_dentry = BPF_CORE_READ(task, fs, root.dentry);
	root_mnt = BPF_CORE_READ(task, fs, root.mnt);
	for (i = 0; i < RTG_PATH_STEPS; i++)
		s->names[i & (RTG_WALK_SLOTS - 1)] = NULL;
	s->path_total = 0;

	/*
	 * Walk up to the task's root, one name per step, leaf first. Steps that cross a mount
	 * leave their slot empty: indexing by step, not by depth, keeps the verifier's states
	 * few.
	 */
	for (i = 0; i < RTG_PATH_STEPS; i++) {
		if (dentry == root_dentry && vfsmnt == root_mnt) {
			trunc = 0;
			break;
		}
		mnt_root = BPF_CORE_READ(vfsmnt, mnt_root);
		if (dentry == mnt_root) {
			/* Top of a mount: go on from its mount point in the parent mount. */
			mnt_parent = BPF_CORE_READ(mnt, mnt_parent);
			if (mnt_parent == mnt) {
				trunc = 0;
				break;
			}
			dentry = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = mnt_parent;
			vfsmnt = (void *)mnt + bpf_core_field_offset(struct mount, mnt);
			continue;
		}
		/*
		 * Its own parent yet not the root of its mount: a pseudo file (memfd) that hangs in
		 * no directory. Its name is all the path it has.
		 */
		parent = BPF_CORE_READ(dentry, d_parent);
		if (parent == dentry || !parent) {
			parent = NULL;
			trunc = 0;
		}
		/*
		 * Too long: leave out the leading components, as a too deep path does. The sum
		 * lives in map memory, whose contents the verifier does not track: it then has
		 * no exact bounds to tell one walk from another and can prune.
		 */
		s->path_total += (BPF_CORE_READ(dentry, d_name.len) & (RTG_NAME_MAX - 1)) + 1;
		if (s->path_total > RTG_PATH_MAX) {
			trunc = RTG_PATH_TRUNCATED;
			break;
		}
		s->names[i & (RTG_WALK_SLOTS - 1)] = BPF_CORE_READ(dentry, d_name.name);
		if (!parent)
			break;
		dentry = parent;
	}

	/* Assemble root first: "/" name "/" name ... */
	for (i = 0; i < RTG_PATH_STEPS; i++) {
		name = s->names[(RTG_PATH_STEPS - 1 - i) & (RTG_WALK_SLOTS - 1)];
		if (!name)
			continue;
		if (len >= RTG_PATH_MAX) {
			/* Names grew since they were measured (a rename): cut here. */
			trunc = RTG_PATH_TRUNCATED;
			break;
		}
		s->buf[(at + len) & RTG_BUF_MASK] = '/';
		n = bpf_probe_read_kernel_str(&s->buf[(at + len + 1) & RTG_BUF_MASK], RTG_NAME_MAX,
					      name);
		if (n <= 0) {
			count(&error_counts, RTG_ERR_READ);
			n = 1;
		}
		/*
		 * The slash plus the name without its NUL. The mask changes nothing (len < 1280)
		 * but widens the verifier's bounds of len to one range for every path through
		 * the loop, so that it can prune; exact bounds would multiply its states.
		 */
		len = (len + n) & (2 * RTG_PATH_MAX - 1);
	}

	/* The root itself, or a file whose mount is not reachable from the root. */
	if (len == 0) {
		s->buf[at & RTG_BUF_MASK] = '/';
		len = 1;
	}
	if (trunc)
		count(&error_counts, RTG_ERR_PATH_TRUNC);
	return len | trunc;
}

/* Appends a path at data offset off of the record at the start of the scratch buffer. */
static __always_inline __u32 append_path(void *rec, char *data, __u32 off, void *vfsmnt,
					 void *dentry, __u32 *trunc)
{
	int r = rtg_append_path((data - (char *)rec) + off, (__u64)vfsmnt, (__u64)dentry);

	if (r & RTG_PATH_TRUNCATED)
		*trunc = 1;
	r &= RTG_PATH_TRUNCATED - 1;
	return r > RTG_PATH_MAX ? RTG_PATH_MAX : r;
}

static __always_inline struct file *fd_file(struct task_struct *task, int fd)
{
	struct file **fds;
	struct file *file = NULL;
	unsigned int max_fds;

	if (fd < 0)
		return NULL;
	max_fds = BPF_CORE_READ(task, files, fdt, max_fds);
	if ((unsigned int)fd >= max_fds)
		return NULL;
	fds = BPF_CORE_READ(task, files, fdt, fd);
	bpf_probe_read_kernel(&file, sizeof(file), &fds[fd]);
	return file;
}

/*
 * fd_file() by plain loads, under BTF: the descriptor table's slot is a pointer to a pointer,
 * which the verifier does not type, read through a cast to untyped memory. The file comes
 * back as a number, fit for a hash or for bpf_rdonly_cast.
 */
static __always_inline struct file *fd_file_of(struct task_struct *task, int fd, int btf)
{
	struct fdtable *fdt;

	if (!btf)
		return fd_file(task, fd);
	if (fd < 0)
		return NULL;
	fdt = task->files->fdt;
	if ((unsigned int)fd >= fdt->max_fds)
		return NULL;
	return *(struct file **)bpf_rdonly_cast(&fdt->fd[fd], 0);
}

/* The socket behind descriptor fd, or NULL; under BTF a pointer the verifier types. */
static __always_inline struct sock *fd_sock(struct task_struct *task, int fd, int btf)
{
	struct file *file = fd_file_of(task, fd, btf);
	struct socket *sock;
	umode_t mode;

	if (!file)
		return NULL;
	if (btf) {
		file = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
		if ((file->f_inode->i_mode & S_IFMT) != S_IFSOCK)
			return NULL;
		sock = bpf_rdonly_cast(file->private_data, bpf_core_type_id_kernel(struct socket));
		return sock->sk;
	}
	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFSOCK)
		return NULL;
	sock = BPF_CORE_READ(file, private_data);
	return BPF_CORE_READ(sock, sk);
}

/* ---- exec ---------------------------------------------------------------------------- */

static __always_inline int on_exec(struct linux_binprm *bprm)
{
	struct task_struct *task = (void *)bpf_get_current_task();
	struct rtg_dedupe_key key = {};
	unsigned long arg_start, arg_end;
	struct rtg_scratch *s;
	struct rtg_exec *e;
	struct workload wl;
	struct inode *inode;
	struct dentry *dentry;
	struct file *file;
	const char *name;
	char prefix[8] = {};
	__u32 off, n, trunc = 0;
	__u64 argv_hash = 0;

	/* Only watched workloads; a process started for watching belongs from its exec on. */
	if (!current_workload(&wl))
		return 0;
	if (wl.pending && wl.entry) {
		struct rtg_task *t;

		__u32 tgid = bpf_get_current_pid_tgid() >> 32;
		__u64 e = *(volatile __u64 *)tgid_entry(tgid);

		wl.entry->flags &= ~RTG_TREE_PENDING_EXEC;
		wl.pending = 0;
		if ((__u32)e == tgid)
			__sync_val_compare_and_swap(tgid_entry(tgid), e,
						    e & ~((__u64)RTG_TREE_PENDING_EXEC << 48));
		t = bpf_task_storage_get(&task_cache, bpf_get_current_task_btf(), NULL, 0);
		if (t)
			t->gen = 0;
	}
	s = get_scratch();
	if (!s)
		return 0;
	e = (void *)s->buf;
	e->flags = 0;

	/* Identity of the file that was loaded (the interpreter for #! scripts). */
	file = BPF_CORE_READ(bprm, file);
	inode = BPF_CORE_READ(file, f_inode);
	dentry = BPF_CORE_READ(file, f_path.dentry);
	e->dev = BPF_CORE_READ(inode, i_sb, s_dev);
	e->ino = BPF_CORE_READ(inode, i_ino);
	e->nlink = BPF_CORE_READ(inode, __i_nlink);
	e->fs_magic = BPF_CORE_READ(inode, i_sb, s_magic);

	/* What kind of file: deleted, memfd, tmpfs, overlayfs upper layer, dynamic loader. */
	name = (const char *)BPF_CORE_READ(dentry, d_name.name);
	bpf_probe_read_kernel(prefix, sizeof(prefix), name);
	if (e->nlink == 0)
		e->flags |= RTG_EXEC_DELETED;
	if (e->fs_magic == TMPFS_MAGIC)
		e->flags |= RTG_EXEC_TMPFS;
	if ((e->fs_magic == TMPFS_MAGIC || e->fs_magic == HUGETLBFS_MAGIC) && prefix[0] == 'm' &&
	    prefix[1] == 'e' && prefix[2] == 'm' && prefix[3] == 'f' && prefix[4] == 'd' &&
	    prefix[5] == ':')
		e->flags |= RTG_EXEC_MEMFD;
	if (e->fs_magic == OVERLAYFS_SUPER_MAGIC) {
		e->flags |= RTG_EXEC_OVERLAY;
		if (bpf_core_type_exists(struct ovl_inode)) {
			struct ovl_inode *oi =
				(void *)inode - bpf_core_field_offset(struct ovl_inode, vfs_inode);

			if (BPF_CORE_READ(oi, __upperdentry))
				e->flags |= RTG_EXEC_UPPER;
		}
	}
	if (prefix[0] == 'l' && prefix[1] == 'd' &&
	    (prefix[2] == '-' || (prefix[2] == '.' && prefix[3] == 's' && prefix[4] == 'o')))
		e->flags |= RTG_EXEC_LOADER;

	/* Filename and interpreter as execve and binfmt_script left them. */
	off = 0;
	e->filename_len = copy_kstr(e->data, off, RTG_FILENAME_MAX, BPF_CORE_READ(bprm, filename));
	off += e->filename_len;
	e->interp_len = copy_kstr(e->data, off, RTG_FILENAME_MAX, BPF_CORE_READ(bprm, interp));
	off += e->interp_len;

	/* Arguments from the new image's stack. */
	arg_start = BPF_CORE_READ(task, mm, arg_start);
	arg_end = BPF_CORE_READ(task, mm, arg_end);
	n = arg_end > arg_start ? arg_end - arg_start : 0;
	if (n > RTG_ARGV_MAX - 1) {
		n = RTG_ARGV_MAX - 1;
		e->flags |= RTG_EXEC_ARGV_TRUNC;
	}
	n &= RTG_ARGV_MAX - 1;
	if (bpf_probe_read_user(&e->data[off & RTG_DATA_MASK], n, (void *)arg_start)) {
		count(&error_counts, RTG_ERR_READ);
		n = 0;
	}
	e->argv_len = n;
	e->argc = BPF_CORE_READ(bprm, argc);

	/*
	 * Dedupe on the file and the name it was run by; a loader run directly also on its
	 * arguments, which name the program it loads.
	 */
	if (e->flags & RTG_EXEC_LOADER)
		argv_hash = rtg_hash(sizeof(*e) + off, e->argv_len);
	off += e->argv_len;
	key.workload = wl.key;
	key.a = e->ino;
	key.b = rtg_hash(sizeof(*e), e->filename_len + e->interp_len) ^ argv_hash;
	key.kind = RTG_EV_EXEC;
	key.c = e->dev;
	if (seen_before(&key))
		return 0;

	/* Executable path and working directory, resolved from the dentries. */
	e->path_len = append_path(e, e->data, off, BPF_CORE_READ(file, f_path.mnt), dentry, &trunc);
	off += e->path_len;
	if (trunc)
		e->flags |= RTG_EXEC_PATH_TRUNC;
	trunc = 0;
	e->cwd_len = append_path(e, e->data, off, BPF_CORE_READ(task, fs, pwd.mnt),
				 BPF_CORE_READ(task, fs, pwd.dentry), &trunc);
	off += e->cwd_len;

	fill_hdr(&e->hdr, RTG_EV_EXEC, sizeof(*e) + off, &wl);
	return send(e, sizeof(*e) + off, RTG_EV_EXEC, &key);
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_btf, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(bprm);
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(exec_raw, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	return on_exec(bprm);
}

/* ---- fork and exit ------------------------------------------------------------------- */

static __always_inline int on_fork(struct task_struct *child)
{
	struct rtg_tree tree = {};
	struct workload wl;
	struct rtg_fork *f;
	__u32 child_pid, child_tgid;

	/* Threads belong to their group, which is watched already. */
	child_pid = BPF_CORE_READ(child, pid);
	child_tgid = BPF_CORE_READ(child, tgid);
	if (child_pid != child_tgid)
		return 0;
	if (!current_workload(&wl) || wl.pending)
		return 0;

	/* A child of a watched tree joins the tree; cgroup membership is inherited anyway. */
	if (wl.tree) {
		tree.root = wl.tree;
		tree.slot = wl.slot;
		if (bpf_map_update_elem(&watched_tgids, &child_tgid, &tree, BPF_ANY)) {
			count(&error_counts, RTG_ERR_TRACK_FULL);
			count(&lost_counts, RTG_EV_FORK);
			return 0;
		}
		__sync_fetch_and_or(tgid_word(child_tgid), 1ULL << (child_tgid & 63));
		/* The table entry, unless another watched tgid holds it. */
		if (lookup_tables)
			__sync_val_compare_and_swap(tgid_entry(child_tgid), 0,
						    RTG_TGID_ENTRY(child_tgid, wl.slot, 0));
	}

	f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
	if (!f) {
		count(&lost_counts, RTG_EV_FORK);
		return 0;
	}
	fill_hdr(&f->hdr, RTG_EV_FORK, sizeof(*f), &wl);
	f->hdr.ppid = f->hdr.tgid;
	f->hdr.tgid = child_tgid;
	f->hdr.tid = child_pid;
	f->child_tid = child_pid;
	f->pad = 0;
	bpf_ringbuf_submit(f, quiet());
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(fork_btf, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(child);
}

SEC("raw_tp/sched_process_fork")
int BPF_PROG(fork_raw, struct task_struct *parent, struct task_struct *child)
{
	return on_fork(child);
}

static __always_inline int on_task_exit(struct task_struct *p)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct workload wl;
	struct rtg_exit *x;

	/*
	 * The process ends with its last thread, which need not be the leader: the leader may
	 * exit first, or be ended by another thread's exec, which then takes over its pid.
	 */
	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	if (!current_workload(&wl))
		return 0;
	if (wl.tree) {
		__u64 e = *(volatile __u64 *)tgid_entry(tgid);

		if ((__u32)e == tgid)
			__sync_val_compare_and_swap(tgid_entry(tgid), e, 0);
		__sync_fetch_and_and(tgid_word(tgid), ~(1ULL << (tgid & 63)));
		bpf_map_delete_elem(&watched_tgids, &tgid);
	}
	if (wl.pending)
		return 0;

	x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
	if (!x) {
		count(&lost_counts, RTG_EV_EXIT);
		return 0;
	}
	fill_hdr(&x->hdr, RTG_EV_EXIT, sizeof(*x), &wl);
	x->exit_code = BPF_CORE_READ(p, exit_code);
	x->pad = 0;
	bpf_ringbuf_submit(x, quiet());
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_btf, struct task_struct *p)
{
	return on_task_exit(p);
}

SEC("raw_tp/sched_process_exit")
int BPF_PROG(exit_raw, struct task_struct *p)
{
	return on_task_exit(p);
}

/* ---- syscalls ------------------------------------------------------------------------ */

/* Sends a syscall record the first time a workload uses the syscall. */
static __always_inline void first_use(const struct workload *wl, __u32 nr)
{
	__u64 bit = 1ULL << (nr & 63), old, *word;
	struct rtg_syscall *r;

	/*
	 * Almost every call finds its bit set: a plain load settles it without the locked
	 * read-modify-write, which would also pull the word's cache line away from the other
	 * CPUs running the workload. The fetch-or makes one CPU the winner when threads race on
	 * a first use.
	 */
	word = &slot_of(wl->slot)->seen[(nr >> 6) & (RTG_SYSCALL_BITS / 64 - 1)];
	if (*(volatile __u64 *)word & bit)
		return;
	old = __sync_fetch_and_or(word, bit);
	if (old & bit)
		return;

	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		/* Clear the bit so that the next use is reported; the loss is counted. */
		__sync_fetch_and_and(word, ~bit);
		count(&lost_counts, RTG_EV_SYSCALL);
		return;
	}
	fill_hdr(&r->hdr, RTG_EV_SYSCALL, sizeof(*r), wl);
	r->nr = nr;
	r->pad = 0;
	bpf_ringbuf_submit(r, quiet());
}

/*
 * An open that failed: the path as the process passed it, behind the directory a relative
 * path starts from. At syscall exit the kernel has read the path itself, so its page is
 * resident. Repeats are the same path string with the same flags from the same directory.
 */
static __always_inline int on_open_attempt(const struct workload *wl, __s32 nr, __s32 dirfd,
					   const char *upath, __u32 open_flags, __s32 result)
{
	struct rtg_dedupe_key key = {};
	struct task_struct *task;
	struct vfsmount *base_mnt = NULL;
	struct dentry *base_dentry = NULL;
	struct rtg_scratch *s;
	struct rtg_open *o;
	struct file *dir;
	__u32 off, trunc = 0;
	long n;

	s = get_scratch();
	if (!s)
		return 0;
	o = (void *)s->buf;
	o->flags = 0;

	/* The path goes behind the base directory, unknown yet: park it. */
	n = bpf_probe_read_user_str(&o->data[RTG_OPEN_PATH_SPOT], RTG_FILENAME_MAX, upath);
	if (n < 0) {
		count(&error_counts, RTG_ERR_READ);
		count(&lost_counts, RTG_EV_OPEN);
		return 0;
	}
	if (n <= 1)
		return 0;
	o->path_len = n - 1;

	/* A relative path starts at the cwd or at dirfd's directory. */
	if (o->data[RTG_OPEN_PATH_SPOT] != '/') {
		task = (void *)bpf_get_current_task();
		if (dirfd == AT_FDCWD) {
			base_mnt = BPF_CORE_READ(task, fs, pwd.mnt);
			base_dentry = BPF_CORE_READ(task, fs, pwd.dentry);
		} else {
			dir = fd_file(task, dirfd);
			if (dir) {
				base_mnt = BPF_CORE_READ(dir, f_path.mnt);
				base_dentry = BPF_CORE_READ(dir, f_path.dentry);
				o->flags |= RTG_OPEN_BASE_FD;
			}
		}
	}

	key.workload = wl->key;
	key.a = rtg_hash(sizeof(*o) + RTG_OPEN_PATH_SPOT, o->path_len);
	key.b = (__u64)base_dentry;
	key.c = open_flags;
	key.kind = RTG_EV_OPEN;
	if (seen_before(&key))
		return 0;

	/* Base directory first, then move the path behind it. */
	o->base_len = 0;
	if (base_dentry) {
		o->base_len = append_path(o, o->data, 0, base_mnt, base_dentry, &trunc);
		if (trunc)
			o->flags |= RTG_OPEN_BASE_TRUNC;
	}
	off = o->base_len;
	/* Paths are short; copying beats a second user read that might fail. */
	if (bpf_probe_read_kernel(&o->data[off & RTG_DATA_MASK],
				  o->path_len & (RTG_FILENAME_MAX - 1),
				  &o->data[RTG_OPEN_PATH_SPOT]))
		count(&error_counts, RTG_ERR_READ);
	off += o->path_len;

	o->open_flags = open_flags;
	o->nr = nr;
	o->dirfd = dirfd;
	o->result = result;
	fill_hdr(&o->hdr, RTG_EV_OPEN, sizeof(*o) + off, wl);
	return send(o, sizeof(*o) + off, RTG_EV_OPEN, &key);
}

/* What tells an opened file under its name from every other, for the dedupe key. */
struct opened_file {
	struct file *file; /* its address, as a number the verifier does not type */
	__u64 ino;
	__u64 dev_gen;	  /* s_dev << 32 | i_generation */
	__u64 name_hash;  /* the dentry's d_name.hash_len */
	__u64 parent_ino; /* the directory it is named in */
	__u64 mount_root; /* inode of the mount's root directory */
};

/*
 * The file behind a new descriptor, and who it is, in numbers (the verifier lets no pointer
 * into a hash). Under BTF every field is a plain load, without a helper call.
 */
static __always_inline int opened_file(struct task_struct *task, int fd, int btf,
				       struct opened_file *of)
{
	struct dentry *d;
	struct inode *inode;
	struct file *file, *f;

	if (!btf) {
		file = fd_file(task, fd);
		if (!file)
			return 0;
		of->file = file;
		d = BPF_CORE_READ(file, f_path.dentry);
		inode = BPF_CORE_READ(file, f_inode);
		of->ino = BPF_CORE_READ(inode, i_ino);
		of->dev_gen = ((__u64)BPF_CORE_READ(inode, i_sb, s_dev) << 32) |
			      BPF_CORE_READ(inode, i_generation);
		of->name_hash = BPF_CORE_READ(d, d_name.hash_len);
		of->parent_ino = BPF_CORE_READ(d, d_parent, d_inode, i_ino);
		of->mount_root = BPF_CORE_READ(file, f_path.mnt, mnt_root, d_inode, i_ino);
		return 1;
	}

	file = fd_file_of(task, fd, btf);
	if (!file)
		return 0;
	of->file = file;
	f = bpf_rdonly_cast(file, bpf_core_type_id_kernel(struct file));
	d = f->f_path.dentry;
	inode = f->f_inode;
	of->ino = inode->i_ino;
	of->dev_gen = ((__u64)inode->i_sb->s_dev << 32) | inode->i_generation;
	of->name_hash = d->d_name.hash_len;
	of->parent_ino = d->d_parent->d_inode->i_ino;
	of->mount_root = f->f_path.mnt->mnt_root->d_inode->i_ino;
	return 1;
}

/*
 * An open that succeeded: the path of the file that was opened, as the kernel resolved it
 * (symbolic links followed), so that no alias of a file reads as another file. Repeats are
 * the same file under the same name in the same directory and mount, with the same flags:
 * no user memory is read for them. The inode's generation tells a new file from an old one
 * whose inode number it took over.
 */
static __always_inline int on_opened(const struct workload *wl, struct task_struct *task, int btf,
				     __s32 nr, __s32 dirfd, __u32 open_flags, __s32 fd)
{
	struct rtg_dedupe_key key = {};
	struct opened_file of = {};
	struct rtg_scratch *s;
	struct rtg_open *o;
	struct file *file;
	__u32 trunc = 0;

	if (!opened_file(task, fd, btf, &of))
		return 0;
	key.workload = wl->key;
	key.a = mix(of.ino, of.dev_gen);
	key.b = mix(mix(of.name_hash, of.parent_ino), of.mount_root);
	key.c = open_flags;
	key.kind = RTG_EV_OPEN;
	if (seen_before(&key))
		return 0;

	s = get_scratch();
	if (!s)
		return 0;
	o = (void *)s->buf;
	o->flags = RTG_OPEN_RESOLVED;
	o->base_len = 0;
	file = of.file;
	o->path_len = append_path(o, o->data, 0, BPF_CORE_READ(file, f_path.mnt),
				  BPF_CORE_READ(file, f_path.dentry), &trunc);
	if (trunc)
		o->flags |= RTG_OPEN_PATH_TRUNC;
	o->open_flags = open_flags;
	o->nr = nr;
	o->dirfd = dirfd;
	o->result = fd;
	fill_hdr(&o->hdr, RTG_EV_OPEN, sizeof(*o) + o->path_len, wl);
	return send(o, sizeof(*o) + o->path_len, RTG_EV_OPEN, &key);
}

/* Fills family, protocol, local address and local port of a socket. */
static __always_inline void sock_addr(struct sock *sk, struct rtg_net *r, int btf)
{
	struct unix_sock *us;
	struct unix_address *ua;
	__u32 *a6 = (__u32 *)r->addr;
	int len, i;

	/* Under BTF plain loads: an accept per request must not cost a helper call per field. */
	if (btf) {
		r->family = sk->__sk_common.skc_family;
		r->protocol = sk->sk_protocol;
		r->port = sk->__sk_common.skc_num;
	} else {
		r->family = BPF_CORE_READ(sk, __sk_common.skc_family);
		r->protocol = BPF_CORE_READ(sk, sk_protocol);
		r->port = BPF_CORE_READ(sk, __sk_common.skc_num);
	}
	if (r->family == AF_INET && btf) {
		*(__u32 *)r->addr = sk->__sk_common.skc_rcv_saddr;
	} else if (r->family == AF_INET) {
		bpf_core_read(r->addr, 4, &sk->__sk_common.skc_rcv_saddr);
	} else if (r->family == AF_INET6 && btf) {
		for (i = 0; i < 4; i++)
			a6[i] = sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr32[i];
	} else if (r->family == AF_INET6) {
		bpf_core_read(r->addr, 16, &sk->__sk_common.skc_v6_rcv_saddr);
	} else if (r->family == AF_UNIX) {
		/* The socket's own address: for accepted sockets the listener's path. */
		us = (struct unix_sock *)sk;
		ua = BPF_CORE_READ(us, addr);
		if (!ua)
			return;
		len = BPF_CORE_READ(ua, len) - 2; /* minus sun_family */
		if (len <= 0)
			return;
		if (len > RTG_UNIX_PATH_MAX)
			len = RTG_UNIX_PATH_MAX;
		if (!bpf_probe_read_kernel(r->data, len & 127, &ua->name[0].sun_path))
			r->path_len = len;
	}
}

static __always_inline int send_net(const struct workload *wl, struct rtg_net *r)
{
	struct rtg_dedupe_key key = {};

	key.workload = wl->key;
	key.a = *(__u64 *)&r->addr[0] ^ (*(__u64 *)&r->addr[8] * 31);
	key.b = r->path_len ? rtg_hash(sizeof(*r), r->path_len & 127) : 0;
	key.c = (r->op << 24) ^ (r->family << 16) ^ r->port;
	key.kind = RTG_EV_NET;
	if (seen_before(&key))
		return 0;
	fill_hdr(&r->hdr, RTG_EV_NET, sizeof(*r) + r->path_len, wl);
	return send(r, sizeof(*r) + (r->path_len & 127), RTG_EV_NET, &key);
}

/* connect and bind: the address comes from the caller's sockaddr. */
static __always_inline int on_sockaddr(const struct workload *wl, struct task_struct *task, int btf,
				       __u32 op, int fd, const void *uaddr, int addrlen)
{
	struct rtg_scratch *s;
	struct rtg_net *r;
	struct sock *sk;
	__u16 family = 0, port = 0;
	int len;

	if (bpf_probe_read_user(&family, sizeof(family), uaddr))
		return 0;
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	r = (void *)s->buf;
	__builtin_memset(&r->op, 0, sizeof(*r) - sizeof(r->hdr));
	r->op = op;
	r->fd = fd;
	r->family = family;

	/* sockaddr_in: port at 2, address at 4; sockaddr_in6: port at 2, address at 8. */
	if (family == AF_INET) {
		bpf_probe_read_user(&port, sizeof(port), uaddr + 2);
		bpf_probe_read_user(r->addr, 4, uaddr + 4);
	} else if (family == AF_INET6) {
		bpf_probe_read_user(&port, sizeof(port), uaddr + 2);
		bpf_probe_read_user(r->addr, 16, uaddr + 8);
	} else {
		len = addrlen - 2;
		if (len > RTG_UNIX_PATH_MAX)
			len = RTG_UNIX_PATH_MAX;
		if (len > 0 && !bpf_probe_read_user(r->data, len & 127, uaddr + 2))
			r->path_len = len;
	}
	r->port = bpf_ntohs(port);

	sk = fd_sock(task, fd, btf);
	if (sk)
		r->protocol = btf ? sk->sk_protocol : BPF_CORE_READ(sk, sk_protocol);
	return send_net(wl, r);
}

/* listen and accept: the address comes from the socket. */
static __always_inline int on_sock(const struct workload *wl, struct task_struct *task, int btf,
				   __u32 op, int fd)
{
	struct rtg_scratch *s;
	struct rtg_net *r;
	struct sock *sk;

	sk = fd_sock(task, fd, btf);
	if (!sk)
		return 0;
	s = get_scratch();
	if (!s)
		return 0;
	r = (void *)s->buf;
	__builtin_memset(&r->op, 0, sizeof(*r) - sizeof(r->hdr));
	r->op = op;
	r->fd = fd;

	/*
	 * listen and accept report the local side: the service a workload offers is what a
	 * baseline keeps; peers' addresses and ports would make every accept new.
	 */
	sock_addr(sk, r, btf);
	return send_net(wl, r);
}

static __always_inline int on_io_uring(const struct workload *wl, __u32 op, __u32 count_arg)
{
	struct rtg_dedupe_key key = {};
	struct rtg_io_uring *u;

	key.workload = wl->key;
	key.a = op;
	key.kind = RTG_EV_IO_URING;
	if (seen_before(&key))
		return 0;
	u = bpf_ringbuf_reserve(&events, sizeof(*u), 0);
	if (!u) {
		count(&lost_counts, RTG_EV_IO_URING);
		forget(&key);
		return 0;
	}
	fill_hdr(&u->hdr, RTG_EV_IO_URING, sizeof(*u), wl);
	u->op = op;
	u->count = count_arg;
	bpf_ringbuf_submit(u, 0);
	return 0;
}

/* A syscall argument: a plain load under BTF, a helper call otherwise. */
#define SYS_ARG(regs, reg, btf) ((btf) ? (regs)->reg : BPF_CORE_READ(regs, reg))

static __always_inline int on_sys_enter(struct pt_regs *regs, long id, int btf)
{
	struct task_struct *task;
	struct rtg_task *t;
	struct workload wl;
	__u32 status;

	/* Only watched workloads, only native 64-bit syscalls. */
	if (id < 0 || id >= RTG_SYSCALL_BITS)
		return 0;
	task = syscall_task(btf);
	if (!syscall_workload(task, btf, &wl, &t))
		return 0;
	/* A tp_btf program may load from the task directly, without a helper call. */
	if (btf)
		status = task->thread_info.status;
	else
		status = BPF_CORE_READ(task, thread_info.status);
	if (status & TS_COMPAT)
		return 0;

	/*
	 * Before its first exec a started process still runs the starter's code; only the
	 * exec itself is the workload's (a seccomp profile must allow it).
	 */
	if (wl.pending) {
		if (id == NR_EXECVE || id == NR_EXECVEAT)
			first_use(&wl, id);
		return 0;
	}
	first_use(&wl, id);

	switch (id) {
	case NR_CONNECT:
		return on_sockaddr(&wl, task, btf, RTG_NET_CONNECT, SYS_ARG(regs, di, btf),
				   (const void *)SYS_ARG(regs, si, btf), SYS_ARG(regs, dx, btf));
	case NR_BIND:
		return on_sockaddr(&wl, task, btf, RTG_NET_BIND, SYS_ARG(regs, di, btf),
				   (const void *)SYS_ARG(regs, si, btf), SYS_ARG(regs, dx, btf));
	case NR_LISTEN:
		return on_sock(&wl, task, btf, RTG_NET_LISTEN, SYS_ARG(regs, di, btf));
	case NR_IO_URING_SETUP:
		return on_io_uring(&wl, RTG_URING_SETUP, SYS_ARG(regs, di, btf));
	case NR_IO_URING_ENTER:
		return on_io_uring(&wl, RTG_URING_ENTER, SYS_ARG(regs, si, btf));
	}
	return 0;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(sys_enter_btf, struct pt_regs *regs, long id)
{
	return on_sys_enter(regs, id, 1);
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter_raw, struct pt_regs *regs, long id)
{
	return on_sys_enter(regs, id, 0);
}

/*
 * accept returns the new socket, and open the new file: both exist only on the way out. The
 * arguments are still in the registers (only ax holds the result).
 */
static __always_inline int on_sys_exit(struct pt_regs *regs, long id, long ret, int btf)
{
	struct task_struct *task;
	struct rtg_task *t;
	struct workload wl = {};
	__u64 how_flags = 0;
	__u32 status;

	if (id != NR_ACCEPT && id != NR_ACCEPT4 && id != NR_OPEN && id != NR_CREAT &&
	    id != NR_OPENAT && id != NR_OPENAT2)
		return 0;
	task = syscall_task(btf);
	if (!syscall_workload(task, btf, &wl, &t) || wl.pending)
		return 0;
	/* A 32-bit syscall's number means another call. */
	status = btf ? task->thread_info.status : BPF_CORE_READ(task, thread_info.status);
	if (status & TS_COMPAT)
		return 0;

	switch (id) {
	case NR_ACCEPT:
	case NR_ACCEPT4:
		if (ret < 0)
			return 0;
		return on_sock(&wl, task, btf, RTG_NET_ACCEPT, ret);
	case NR_OPEN:
		if (ret >= 0)
			return on_opened(&wl, task, btf, id, AT_FDCWD, SYS_ARG(regs, si, btf), ret);
		return on_open_attempt(&wl, id, AT_FDCWD, (const char *)SYS_ARG(regs, di, btf),
				       SYS_ARG(regs, si, btf), ret);
	case NR_CREAT:
		if (ret >= 0)
			return on_opened(&wl, task, btf, id, AT_FDCWD, O_CREAT | O_WRONLY | O_TRUNC,
					 ret);
		return on_open_attempt(&wl, id, AT_FDCWD, (const char *)SYS_ARG(regs, di, btf),
				       O_CREAT | O_WRONLY | O_TRUNC, ret);
	case NR_OPENAT:
		if (ret >= 0)
			return on_opened(&wl, task, btf, id, SYS_ARG(regs, di, btf),
					 SYS_ARG(regs, dx, btf), ret);
		return on_open_attempt(&wl, id, SYS_ARG(regs, di, btf),
				       (const char *)SYS_ARG(regs, si, btf), SYS_ARG(regs, dx, btf),
				       ret);
	case NR_OPENAT2:
		/* struct open_how starts with the __u64 flags. */
		bpf_probe_read_user(&how_flags, sizeof(how_flags), (void *)SYS_ARG(regs, dx, btf));
		if (ret >= 0)
			return on_opened(&wl, task, btf, id, SYS_ARG(regs, di, btf),
					 (__u32)how_flags, ret);
		return on_open_attempt(&wl, id, SYS_ARG(regs, di, btf),
				       (const char *)SYS_ARG(regs, si, btf), (__u32)how_flags, ret);
	}
	return 0;
}

/* Every syscall passes here: under BTF its number is a plain load, not a helper call. */
SEC("tp_btf/sys_exit")
int BPF_PROG(sys_exit_btf, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, regs->orig_ax, ret, 1);
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit_raw, struct pt_regs *regs, long ret)
{
	return on_sys_exit(regs, BPF_CORE_READ(regs, orig_ax), ret, 0);
}
