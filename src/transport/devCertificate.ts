import { describeValue } from '../errors'

/** A self-signed certificate, its key, and the hash a WebTransport client pins it by. */
export interface DevCertificate {
  /** The certificate as PEM ("CERTIFICATE"). */
  cert: string
  /** The private key as PKCS#8 PEM ("PRIVATE KEY"). */
  key: string
  /** SHA-256 of the certificate's DER bytes: the `value` of a `serverCertificateHashes` entry. */
  hash: Uint8Array
  /** `hash` as lowercase hex without separators. */
  hashHex: string
  /** Start of validity: one minute before `options.now`, rounded down to a whole second. */
  notBefore: Date
  /** End of validity: `notBefore` plus `options.days` days; browsers stop accepting the pinned hash then. */
  notAfter: Date
}

/** What `createDevCertificate` makes: the hosts it names, how long it lasts, and from when. */
export interface DevCertificateOptions {
  /** DNS names and IPv4/IPv6 literals for subjectAltName. Default `['localhost', '127.0.0.1', '::1']`. */
  hosts?: string[]
  /** Validity in whole days, 1 to 13. Default 10. */
  days?: number
  /** The clock; the certificate starts one minute before it. Default `new Date()`. */
  now?: Date
}

const DAY_MS = 86_400_000

/**
 * Creates a self-signed ECDSA P-256 certificate for a local WebTransport (or TLS) server, using
 * only WebCrypto so it runs in Node 20 and in browsers alike. Browsers accept such a certificate
 * without a CA only when pinned through `serverCertificateHashes`, which demands ECDSA and a
 * validity of less than 14 days, hence the limits on `days`.
 *
 * @example
 * const dev = await createDevCertificate({ hosts: ['localhost'] })
 * // server: new Http3Server({ cert: dev.cert, privKey: dev.key, ... })
 * // browser: new WebTransport(url, { serverCertificateHashes: [{ algorithm: 'sha-256', value: dev.hash }] })
 */
export async function createDevCertificate(options: DevCertificateOptions = {}): Promise<DevCertificate> {
  const { hosts = ['localhost', '127.0.0.1', '::1'], days = 10, now = new Date() } = options
  if (typeof days !== 'number')
    throw new TypeError(`createDevCertificate: days must be a number, got ${describeValue(days)}`)
  if (!Number.isInteger(days) || days < 1 || days > 13) {
    throw new RangeError(
      `createDevCertificate: days must be an integer from 1 to 13 (WebTransport rejects 14 or more), got ${describeValue(days)}`,
    )
  }
  if (!(now instanceof Date)) throw new TypeError(`createDevCertificate: now must be a Date, got ${describeValue(now)}`)
  if (Number.isNaN(now.getTime()))
    throw new RangeError(`createDevCertificate: now must be a valid Date, got ${describeValue(now)}`)
  if (!Array.isArray(hosts))
    throw new TypeError(`createDevCertificate: hosts must be an array of strings, got ${describeValue(hosts)}`)
  if (hosts.length === 0) throw new RangeError('createDevCertificate: hosts must name at least one host, got []')
  const altNames = hosts.map(generalName)

  // Whole seconds, so the returned dates are exactly what the certificate says.
  const notBefore = new Date(Math.floor((now.getTime() - 60_000) / 1000) * 1000)
  const notAfter = new Date(notBefore.getTime() + days * DAY_MS)

  const subtle = globalThis.crypto.subtle
  const keys = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair
  const spki = new Uint8Array(await subtle.exportKey('spki', keys.publicKey))
  const pkcs8 = new Uint8Array(await subtle.exportKey('pkcs8', keys.privateKey))

  const serial = globalThis.crypto.getRandomValues(new Uint8Array(16))
  serial[0] = (serial[0] & 0x7f) | 0x40 // positive and exactly 16 bytes long
  const ecdsaWithSha256 = seq(oid('1.2.840.10045.4.3.2'))
  const name = seq(set(seq(oid('2.5.4.3'), tlv(0x0c, new TextEncoder().encode('midstream dev')))))
  const tbs = seq(
    tlv(0xa0, uint(new Uint8Array([2]))), // v3, needed for extensions
    uint(serial),
    ecdsaWithSha256,
    name,
    seq(time(notBefore), time(notAfter)),
    name,
    spki,
    tlv(
      0xa3,
      seq(
        extension('2.5.29.17', false, seq(...altNames)),
        extension('2.5.29.19', true, seq()), // cA defaults to FALSE, so DER leaves it out
        extension('2.5.29.15', true, tlv(0x03, new Uint8Array([7, 0x80]))), // digitalSignature only
        extension('2.5.29.37', false, seq(oid('1.3.6.1.5.5.7.3.1'))), // serverAuth
      ),
    ),
  )
  const raw = new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, keys.privateKey, tbs))
  // WebCrypto gives r || s; X.509 wants the DER form.
  const signature = seq(uint(raw.subarray(0, raw.length / 2)), uint(raw.subarray(raw.length / 2)))
  const der = seq(tbs, ecdsaWithSha256, tlv(0x03, concat([new Uint8Array([0]), signature])))

  const hash = new Uint8Array(await subtle.digest('SHA-256', der))
  const hashHex = Array.from(hash, b => b.toString(16).padStart(2, '0')).join('')
  return { cert: pem('CERTIFICATE', der), key: pem('PRIVATE KEY', pkcs8), hash, hashHex, notBefore, notAfter }
}

/**
 * DER INTEGER from unsigned big-endian bytes: leading zeros dropped, and one zero added back when
 * the top bit is set so the value is not read as negative. Exported for tests.
 * @internal
 */
export function derUnsignedInteger(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  const body = bytes.length === 0 ? new Uint8Array([0]) : bytes.subarray(start)
  return tlv(0x02, body[0] & 0x80 ? concat([new Uint8Array([0]), body]) : body)
}
const uint = derUnsignedInteger

function generalName(host: unknown): Uint8Array<ArrayBuffer> {
  if (typeof host !== 'string')
    throw new TypeError(`createDevCertificate: each host must be a string, got ${describeValue(host)}`)
  const ip = parseIPv4(host) ?? parseIPv6(host)
  if (ip) return tlv(0x87, ip) // [7] iPAddress
  // dNSName is an IA5String; anything else (spaces, ports, URLs) is a caller mistake.
  // All-digit names would be read as (bad) IPv4 addresses by clients, so they are refused too.
  if (!/^[A-Za-z0-9*_-]+(\.[A-Za-z0-9*_-]+)*\.?$/.test(host) || /^[\d.]+$/.test(host) || host.length > 253) {
    throw new RangeError(
      `createDevCertificate: host must be a DNS name or an IP address literal, got ${describeValue(host)}`,
    )
  }
  return tlv(0x82, new TextEncoder().encode(host)) // [2] dNSName
}

function parseIPv4(text: string): Uint8Array | null {
  const parts = text.split('.')
  if (parts.length !== 4 || !parts.every(p => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) < 256)) return null
  return new Uint8Array(parts.map(Number))
}

function parseIPv6(text: string): Uint8Array | null {
  const halves = text.split('::')
  if (!text.includes(':') || halves.length > 2) return null
  const groups = halves.map((half, h) => {
    const out: number[] = []
    const parts = half === '' ? [] : half.split(':')
    for (const [i, part] of parts.entries()) {
      const v4 = h === halves.length - 1 && i === parts.length - 1 ? parseIPv4(part) : null
      if (v4) out.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3])
      else if (/^[0-9a-f]{1,4}$/i.test(part)) out.push(parseInt(part, 16))
      else return null
    }
    return out
  })
  if (groups.some(g => g === null)) return null
  const [head, tail] = groups as number[][]
  const missing = 8 - head.length - (tail?.length ?? 0)
  if (tail === undefined ? missing !== 0 : missing < 1) return null
  const all = [...head, ...new Array<number>(tail === undefined ? 0 : missing).fill(0), ...(tail ?? [])]
  return new Uint8Array(all.flatMap(g => [g >> 8, g & 0xff]))
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array<ArrayBuffer> {
  // BOOLEAN DEFAULT FALSE: DER forbids writing the default.
  return seq(oid(id), ...(critical ? [new Uint8Array([0x01, 0x01, 0xff])] : []), tlv(0x04, value))
}

function time(date: Date): Uint8Array<ArrayBuffer> {
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  const year = date.getUTCFullYear()
  const digits = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'
  return year >= 1950 && year < 2050 ? tlv(0x17, ascii(digits.slice(2))) : tlv(0x18, ascii(digits))
}

function oid(dotted: string): Uint8Array<ArrayBuffer> {
  const [a, b, ...rest] = dotted.split('.').map(Number)
  const bytes: number[] = []
  for (const arc of [a * 40 + b, ...rest]) {
    const base128 = [arc & 0x7f]
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) base128.unshift((v & 0x7f) | 0x80)
    bytes.push(...base128)
  }
  return tlv(0x06, new Uint8Array(bytes))
}

const seq = (...items: Uint8Array[]) => tlv(0x30, concat(items))
const set = (...items: Uint8Array[]) => tlv(0x31, concat(items))
const ascii = (text: string) => new TextEncoder().encode(text)

function tlv(tag: number, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const length: number[] = []
  for (let n = body.length; n > 0; n = Math.floor(n / 256)) length.unshift(n & 0xff)
  const header = body.length < 0x80 ? [tag, body.length] : [tag, 0x80 | length.length, ...length]
  return concat([new Uint8Array(header), body])
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) out.set(p, at), (at += p.length)
  return out
}

function pem(label: string, der: Uint8Array): string {
  let binary = ''
  for (const byte of der) binary += String.fromCharCode(byte)
  const lines = btoa(binary).match(/.{1,64}/g) ?? []
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`
}
