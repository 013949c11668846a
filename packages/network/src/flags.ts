import { flagBoolean, flagList, flagsOf, flagString, type FlagDeclaration, type RunSpec } from '@mydocker/core';

const NAME = 'network';

/** What this plugin adds to `run` and `create` (the seed's `-net br0` included). */
export const RUN_FLAGS: FlagDeclaration[] = [
  {
    name: 'network',
    alias: ['net'],
    type: 'string',
    describe: 'Network to join (bridge network name, none, host)',
    seed: ['-net', '-network'],
    nonEmpty: true,
  },
  { name: 'publish', alias: ['p'], type: 'array', describe: 'Publish a port ([IP:][HOST[-END]:]CTR[-END][/tcp|udp]; no HOST: one is chosen)' },
  { name: 'publish-all', alias: ['P'], type: 'boolean', describe: 'Publish every port the image exposes on chosen host ports' },
  { name: 'expose', type: 'array', describe: 'Expose a port or range (PORT[-END][/tcp|udp]) without publishing it; -P publishes it' },
  { name: 'network-alias', type: 'array', describe: 'Another name the container answers to on its user-defined network' },
  { name: 'add-host', type: 'array', describe: 'Add a line to /etc/hosts (NAME:IP, IP may be host-gateway)' },
  { name: 'dns', type: 'array', describe: 'Name server for /etc/resolv.conf' },
  { name: 'dns-search', type: 'array', describe: 'Search domain for /etc/resolv.conf' },
  { name: 'dns-option', type: 'array', describe: 'Option for /etc/resolv.conf (e.g. ndots:2)' },
  { name: 'mac-address', type: 'string', describe: 'MAC address of the container (e.g. 02:42:ac:11:00:09)' },
  { name: 'ip', type: 'string', describe: 'IPv4 address on a user-defined network' },
];

/** --net/--network as given; undefined means the engine default (no network but loopback). */
export const networkFlag = (spec: Pick<RunSpec, 'flags'>): string | undefined => flagString(flagsOf(spec, NAME), 'network');

/** -p specs, raw. */
export const publishFlags = (spec: Pick<RunSpec, 'flags'>): string[] => flagList(flagsOf(spec, NAME), 'publish');

/** -P: publish every port the image exposes on host ports the kernel chooses. */
export const publishAllFlag = (spec: Pick<RunSpec, 'flags'>): boolean => flagBoolean(flagsOf(spec, NAME), 'publish-all') === true;

/** --expose specs, raw. */
export const exposeFlags = (spec: Pick<RunSpec, 'flags'>): string[] => flagList(flagsOf(spec, NAME), 'expose');

/** `run` flags of this plugin beyond --net and -p, raw as typed (each absent when not given). */
export interface NetworkRunOptions {
  /** --network-alias */
  aliases?: string[];
  /** --add-host NAME:IP (IP may be `host-gateway`) */
  addHosts?: string[];
  /** --dns */
  dns?: string[];
  /** --dns-search */
  dnsSearch?: string[];
  /** --dns-option */
  dnsOptions?: string[];
  /** --mac-address */
  macAddress?: string;
  /** --ip: the address on a user-defined network */
  ip?: string;
}

/** The other network flags of a request (an empty object when none was given). */
export function networkOptions(spec: Pick<RunSpec, 'flags'>): NetworkRunOptions {
  const v = flagsOf(spec, NAME);
  const opts: NetworkRunOptions = {
    aliases: flagList(v, 'network-alias'),
    addHosts: flagList(v, 'add-host'),
    dns: flagList(v, 'dns'),
    dnsSearch: flagList(v, 'dns-search'),
    dnsOptions: flagList(v, 'dns-option'),
    macAddress: flagString(v, 'mac-address'),
    ip: flagString(v, 'ip'),
  };
  for (const key of Object.keys(opts) as Array<keyof NetworkRunOptions>) if (opts[key] === undefined || opts[key]!.length === 0) delete opts[key];
  return opts;
}
