import type { NetworkConfig, PortMapping } from './model';

/**
 * iptables rules as iptables-restore text. Every rule lives in chains of this engine root
 * (MYDOCKER-<hash>-...), jumped to from the built-in chains, and carries a comment that names its
 * owner, so that removal reads `iptables-save` and deletes exactly the owner's lines (idempotent).
 */
export interface Chains {
  /** Comment on the jump rules. */
  tag: string;
  dnat: string;
  post: string;
  forward: string;
  /** raw PREROUTING: packets dropped before conntrack and routing. */
  raw: string;
}

export function chainsFor(rootHash: string): Chains {
  return {
    tag: `mydocker:${rootHash}`,
    dnat: `MYDOCKER-${rootHash}-DNAT`,
    post: `MYDOCKER-${rootHash}-POST`,
    forward: `MYDOCKER-${rootHash}-FWD`,
    raw: `MYDOCKER-${rootHash}-RAW`,
  };
}

export function containerComment(id: string, name: string): string {
  return `mydocker:${id.slice(0, 12)}:${name}`;
}

export function networkComment(network: string): string {
  return `mydocker:net:${network}`;
}

type Table = 'raw' | 'nat' | 'filter';
const TABLES = ['raw', 'nat', 'filter'] as const;
export type RuleSet = Partial<Record<Table, string[]>>;

export function render(rules: RuleSet): string {
  let out = '';
  for (const table of TABLES) {
    const lines = rules[table];
    if (lines && lines.length > 0) out += `*${table}\n${lines.join('\n')}\nCOMMIT\n`;
  }
  return out;
}

function merge(...sets: RuleSet[]): RuleSet {
  const out: RuleSet = {};
  for (const s of sets) for (const t of TABLES) if (s[t]?.length) (out[t] ??= []).push(...s[t]!);
  return out;
}

interface Saved {
  /** table → chain names declared. */
  chains: Record<string, Set<string>>;
  /** table → rule lines ("-A ..."). */
  rules: Record<string, string[]>;
}

/** Reads `iptables-save` output. */
export function parseSave(text: string): Saved {
  const saved: Saved = { chains: {}, rules: {} };
  let table = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) {
      table = line.slice(1).trim();
      saved.chains[table] ??= new Set();
      saved.rules[table] ??= [];
    } else if (line.startsWith(':') && table) {
      saved.chains[table].add(line.slice(1).split(' ')[0]);
    } else if (line.startsWith('-A ') && table) {
      saved.rules[table].push(line);
    }
  }
  return saved;
}

/** The chains and jump rules, for whatever of them is missing. */
export function baseRules(chains: Chains, saved: Saved): RuleSet {
  const out: RuleSet = { raw: [], nat: [], filter: [] };
  const want: Array<[Table, string, string[]]> = [
    [
      'nat',
      chains.dnat,
      [
        `-A PREROUTING -m addrtype --dst-type LOCAL -m comment --comment ${chains.tag} -j ${chains.dnat}`,
        `-A OUTPUT -m addrtype --dst-type LOCAL -m comment --comment ${chains.tag} -j ${chains.dnat}`,
      ],
    ],
    ['nat', chains.post, [`-A POSTROUTING -m comment --comment ${chains.tag} -j ${chains.post}`]],
    // Inserted first so that a host firewall's DROP policy or rules do not cut the bridges off.
    ['filter', chains.forward, [`-I FORWARD -m comment --comment ${chains.tag} -j ${chains.forward}`]],
    ['raw', chains.raw, [`-I PREROUTING -m comment --comment ${chains.tag} -j ${chains.raw}`]],
  ];
  for (const [table, chain, jumps] of want) {
    if (!saved.chains[table]?.has(chain)) out[table]!.push(`:${chain} - [0:0]`);
    const present = saved.rules[table] ?? [];
    for (const jump of jumps) {
      const builtin = jump.split(' ')[1];
      if (!present.some((l) => l.startsWith(`-A ${builtin} `) && l.endsWith(`-j ${chain}`))) out[table]!.push(jump);
    }
  }
  return out;
}

/**
 * Masquerade for the subnet, source NAT for connections from the host's 127.0.0.1, forwarding, and the
 * CVE-2020-8558 guard. The bridge has route_localnet=1 so that the host's own 127.0.0.1 connections can
 * be DNAT'ed onto it; the same sysctl would let a container reach the host's 127.0.0.1 services by
 * sending to 127.0.0.1 through the gateway's MAC. No legitimate packet enters from a bridge with a
 * loopback destination (replies to localhost-published ports come back to the masqueraded gateway
 * address), so every such packet is dropped in raw PREROUTING, before conntrack, NAT and routing.
 */
export function networkRules(chains: Chains, net: NetworkConfig): RuleSet {
  const c = `-m comment --comment ${networkComment(net.name)}`;
  if (net.internal) {
    // --internal: containers talk among themselves and to the bridge's address, never beyond it.
    return {
      raw: [`-A ${chains.raw} -i ${net.bridge} -d 127.0.0.0/8 ${c} -j DROP`],
      filter: [
        `-A ${chains.forward} -i ${net.bridge} -o ${net.bridge} ${c} -j ACCEPT`,
        `-A ${chains.forward} -i ${net.bridge} ${c} -j DROP`,
        `-A ${chains.forward} -o ${net.bridge} ${c} -j DROP`,
      ],
    };
  }
  return {
    raw: [`-A ${chains.raw} -i ${net.bridge} -d 127.0.0.0/8 ${c} -j DROP`],
    nat: [`-A ${chains.post} -s ${net.subnet} ! -o ${net.bridge} ${c} -j MASQUERADE`, `-A ${chains.post} -s 127.0.0.0/8 -o ${net.bridge} ${c} -j MASQUERADE`],
    filter: [`-A ${chains.forward} -i ${net.bridge} ${c} -j ACCEPT`, `-A ${chains.forward} -o ${net.bridge} ${c} -j ACCEPT`],
  };
}

/**
 * One DNAT per published port; the chain is reached from PREROUTING (other hosts) and OUTPUT (this host).
 * Hairpin: a container that reaches its own published port through a host address is DNAT'ed back to
 * itself; without the masquerade its reply would go straight to itself from its own address and never
 * meet the NAT that could undo the translation, so the source becomes the bridge's address.
 */
export function portRules(chains: Chains, id: string, name: string, ip: string, all: PortMapping[]): RuleSet {
  // IPv6 host addresses are served by the userland proxy: iptables cannot translate them to IPv4.
  const ports = all.filter((p) => !p.hostIp.includes(':'));
  const c = `-m comment --comment ${containerComment(id, name)}`;
  return {
    nat: [
      ...ports.map(
        (p) =>
          `-A ${chains.dnat}${p.hostIp ? ` -d ${p.hostIp}/32` : ''} -p ${p.protocol} -m ${p.protocol} --dport ${p.hostPort} ${c} -j DNAT --to-destination ${ip}:${p.containerPort}`,
      ),
      ...[...new Set(ports.map((p) => `${p.protocol} ${p.containerPort}`))].map((k) => {
        const [proto, port] = k.split(' ');
        return `-A ${chains.post} -s ${ip}/32 -d ${ip}/32 -p ${proto} -m ${proto} --dport ${port} ${c} -j MASQUERADE`;
      }),
    ],
  };
}

function commentOf(line: string): string | undefined {
  const m = / --comment ("([^"]*)"|(\S+))/.exec(line);
  return m ? (m[2] ?? m[3]) : undefined;
}

/** Delete lines for every saved rule whose comment `match`es (only in this root's chains). */
export function deletionsWhere(chains: Chains, saved: Saved, match: (comment: string) => boolean): RuleSet {
  const ours = [chains.dnat, chains.post, chains.forward, chains.raw];
  const out: RuleSet = {};
  for (const table of TABLES) {
    for (const line of saved.rules[table] ?? []) {
      const chain = line.split(' ')[1];
      const comment = commentOf(line);
      if (ours.includes(chain) && comment !== undefined && match(comment)) (out[table] ??= []).push(`-D${line.slice(2)}`);
    }
  }
  return out;
}

/** Comments of per-container rules: the id prefixes that own rules in this root's chains. */
export function containerIdsWithRules(chains: Chains, saved: Saved): Set<string> {
  const ids = new Set<string>();
  for (const table of ['nat', 'filter'] as const) {
    for (const line of saved.rules[table] ?? []) {
      const m = /^mydocker:([0-9a-f]{12}):/.exec(commentOf(line) ?? '');
      if (m && line.includes(`-A ${chains.dnat} `)) ids.add(m[1]);
    }
  }
  return ids;
}

/** Networks that own rules in this root's chains (`mydocker:net:NAME` comments). */
export function networksWithRules(chains: Chains, saved: Saved): Set<string> {
  const ours = [chains.dnat, chains.post, chains.forward, chains.raw];
  const names = new Set<string>();
  for (const table of TABLES) {
    for (const line of saved.rules[table] ?? []) {
      const m = /^mydocker:net:(.+)$/.exec(commentOf(line) ?? '');
      if (m && ours.includes(line.split(' ')[1])) names.add(m[1]);
    }
  }
  return names;
}

/** Jump rules out, chains flushed and deleted: used when the root's last network goes. */
export function teardownRules(chains: Chains, saved: Saved): RuleSet {
  const out: RuleSet = { raw: [], nat: [], filter: [] };
  const ours = [chains.dnat, chains.post, chains.forward, chains.raw];
  for (const table of TABLES) {
    for (const line of saved.rules[table] ?? []) {
      const [, chain] = line.split(' ');
      if (!ours.includes(chain) && ours.some((c) => line.endsWith(`-j ${c}`))) out[table]!.push(`-D${line.slice(2)}`);
    }
    for (const chain of ours) {
      if (saved.chains[table]?.has(chain)) out[table]!.push(`-F ${chain}`, `-X ${chain}`);
    }
  }
  return out;
}

export { merge };
