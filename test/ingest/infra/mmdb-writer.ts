// A minimal MaxMind DB (MMDB v2) writer for tests, following the published format spec
// (https://maxmind.github.io/MaxMind-DB/): an IPv4 binary search tree with 24-bit records, a
// 16-byte separator, the data section, then the metadata map after "\xAB\xCD\xEFMaxMind.com".

type Value = string | number | bigint | boolean | Value[] | { [k: string]: Value };

export interface MmdbNetwork {
  /** 'a.b.c.d/len' */
  cidr: string;
  data: { [k: string]: Value };
}

// Data section field types (spec §"Output Data Section").
const T_STRING = 2;
const T_DOUBLE = 3;
const T_UINT16 = 5;
const T_UINT32 = 6;
const T_MAP = 7;
const T_UINT64 = 9;
const T_ARRAY = 11;
const T_BOOLEAN = 14;

function control(type: number, size: number): Buffer {
  const head: number[] = [];
  const ext: number[] = [];
  let sizeBits: number;
  if (size < 29) sizeBits = size;
  else if (size < 285) {
    sizeBits = 29;
    ext.push(size - 29);
  } else if (size < 65821) {
    sizeBits = 30;
    const n = size - 285;
    ext.push(n >> 8, n & 0xff);
  } else {
    sizeBits = 31;
    const n = size - 65821;
    ext.push((n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
  }
  if (type <= 7) head.push((type << 5) | sizeBits);
  else head.push(sizeBits, type - 7);
  return Buffer.from([...head, ...ext]);
}

function uintBytes(n: bigint): Buffer {
  const bytes: number[] = [];
  while (n > 0n) {
    bytes.unshift(Number(n & 0xffn));
    n >>= 8n;
  }
  return Buffer.from(bytes);
}

export function encodeValue(v: Value): Buffer {
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([control(T_STRING, b.length), b]);
  }
  if (typeof v === 'boolean') return control(T_BOOLEAN, v ? 1 : 0);
  if (typeof v === 'bigint') {
    const b = uintBytes(v);
    return Buffer.concat([control(T_UINT64, b.length), b]);
  }
  if (typeof v === 'number') {
    if (Number.isInteger(v) && v >= 0 && v <= 0xffffffff) {
      const b = uintBytes(BigInt(v));
      return Buffer.concat([control(v <= 0xffff ? T_UINT16 : T_UINT32, b.length), b]);
    }
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    return Buffer.concat([control(T_DOUBLE, 8), b]);
  }
  if (Array.isArray(v)) return Buffer.concat([control(T_ARRAY, v.length), ...v.map(encodeValue)]);
  const entries = Object.entries(v);
  return Buffer.concat([control(T_MAP, entries.length), ...entries.flatMap(([k, x]) => [encodeValue(k), encodeValue(x)])]);
}

interface TrieNode {
  children: [TrieNode | number | undefined, TrieNode | number | undefined];
}

export function writeMmdb(networks: MmdbNetwork[], databaseType = 'Vigil-Test-City'): Buffer {
  // Data section: each network's record, addressed by its offset.
  const dataParts: Buffer[] = [];
  const offsets: number[] = [];
  let dataSize = 0;
  for (const n of networks) {
    const enc = encodeValue(n.data);
    offsets.push(dataSize);
    dataParts.push(enc);
    dataSize += enc.length;
  }
  const root: TrieNode = { children: [undefined, undefined] };
  networks.forEach((n, idx) => {
    const [ip, bitsText] = n.cidr.split('/');
    const bits = Number(bitsText);
    const addr = ip.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
    let node = root;
    for (let i = 0; i < bits; i++) {
      const bit = (addr >>> (31 - i)) & 1;
      if (i === bits - 1) {
        node.children[bit] = -(idx + 1); // data marker, resolved below
      } else {
        let next = node.children[bit];
        if (typeof next !== 'object') {
          next = { children: [undefined, undefined] };
          node.children[bit] = next;
        }
        node = next;
      }
    }
  });
  // Number nodes breadth-first; the root is node 0.
  const order: TrieNode[] = [];
  const queue: TrieNode[] = [root];
  while (queue.length > 0) {
    const n = queue.shift()!;
    order.push(n);
    for (const c of n.children) if (typeof c === 'object') queue.push(c);
  }
  const index = new Map(order.map((n, i) => [n, i]));
  const nodeCount = order.length;
  const tree = Buffer.alloc(nodeCount * 6);
  order.forEach((n, i) => {
    n.children.forEach((c, side) => {
      let record: number;
      if (c === undefined) record = nodeCount; // no data
      else if (typeof c === 'object') record = index.get(c)!;
      else record = nodeCount + 16 + offsets[-c - 1];
      tree.writeUIntBE(record, i * 6 + side * 3, 3);
    });
  });
  const metadata = encodeValue({
    node_count: nodeCount,
    record_size: 24,
    ip_version: 4,
    database_type: databaseType,
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor(Date.now() / 1000)),
    description: { en: 'Test database written by Vigil tests' },
  });
  return Buffer.concat([
    tree,
    Buffer.alloc(16),
    ...dataParts,
    Buffer.from('abcdef4d61784d696e642e636f6d', 'hex'),
    metadata,
  ]);
}
