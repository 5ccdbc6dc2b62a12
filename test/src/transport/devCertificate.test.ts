import { execFileSync } from 'node:child_process'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tls from 'node:tls'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { createDevCertificate, derUnsignedInteger } from '../../../src/transport/devCertificate'

const DAY_MS = 86_400_000

/** A plain DER reader (independent of the encoder): one TLV at `at`. */
function readTlv(bytes: Uint8Array, at = 0): { tag: number; body: Uint8Array; end: number } {
  const tag = bytes[at]
  let length = bytes[at + 1]
  let start = at + 2
  if (length & 0x80) {
    const n = length & 0x7f
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + bytes[start + i]
    start += n
  }
  if (start + length > bytes.length) throw new Error('truncated')
  return { tag, body: bytes.subarray(start, start + length), end: start + length }
}

/** Children of a constructed TLV body. */
function children(body: Uint8Array) {
  const out: ReturnType<typeof readTlv>[] = []
  for (let at = 0; at < body.length; at = out[out.length - 1].end) out.push(readTlv(body, at))
  return out
}

/** Two's-complement big-endian INTEGER body to bigint. */
function decodeInteger(body: Uint8Array): bigint {
  let value = 0n
  for (const b of body) value = (value << 8n) | BigInt(b)
  return body[0] & 0x80 ? value - (1n << BigInt(body.length * 8)) : value
}

/** DER demands the shortest form: the first 9 bits are never all zeros or all ones. */
function isMinimal(body: Uint8Array): boolean {
  if (body.length === 0) return false
  if (body.length === 1) return true
  return !(body[0] === 0 && !(body[1] & 0x80)) && !(body[0] === 0xff && body[1] & 0x80)
}

function toBytes(value: bigint, padding: number): Uint8Array {
  const bytes: number[] = []
  for (let v = value; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn))
  return new Uint8Array([...new Array<number>(padding).fill(0), ...bytes])
}

const derOf = (cert: string) => new Uint8Array(new X509Certificate(cert).raw)

describe('createDevCertificate', () => {
  it('makes a P-256 certificate that node:crypto parses, matching its key and self-signature', async () => {
    const now = new Date('2030-05-06T07:08:09.456Z')
    const dev = await createDevCertificate({ now })
    const x509 = new X509Certificate(dev.cert)

    expect(x509.publicKey.asymmetricKeyType).toBe('ec')
    expect(x509.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1')
    expect(dev.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/)
    expect(x509.checkPrivateKey(createPrivateKey(dev.key))).toBe(true)
    expect(x509.verify(x509.publicKey)).toBe(true)
    expect(x509.ca).toBe(false)
    expect(x509.subject).toBe('CN=midstream dev')
    expect(x509.issuer).toBe('CN=midstream dev')
    expect(x509.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/i) // positive, 16 bytes

    expect(x509.subjectAltName).toContain('DNS:localhost')
    expect(x509.subjectAltName).toContain('IP Address:127.0.0.1')
    expect(x509.subjectAltName).toMatch(/IP Address:(0:0:0:0:0:0:0:1|::1)\b/i)

    const from = Date.parse(x509.validFrom)
    const to = Date.parse(x509.validTo)
    expect(Math.abs(from - (now.getTime() - 60_000))).toBeLessThan(1000)
    expect(Math.abs(from - dev.notBefore.getTime())).toBeLessThan(1000)
    expect(Math.abs(to - dev.notAfter.getTime())).toBeLessThan(1000)
    expect(to - from).toBe(10 * DAY_MS)
    expect(to - from).toBeLessThan(14 * DAY_MS)

    const fingerprint = x509.fingerprint256.replaceAll(':', '').toLowerCase()
    expect(dev.hashHex).toBe(fingerprint)
    expect(Buffer.from(dev.hash).toString('hex')).toBe(fingerprint)
    expect(dev.hash).toHaveLength(32)
  })

  it('uses the DER signature form with minimal INTEGERs and declares ecdsa-with-SHA256', async () => {
    for (let i = 0; i < 10; i++) {
      const [tbs, algorithm, signature] = children(readTlv(derOf((await createDevCertificate()).cert)).body)
      expect(tbs.tag).toBe(0x30)
      expect(Buffer.from(algorithm.body).toString('hex')).toBe('06082a8648ce3d040302')
      expect(signature.tag).toBe(0x03)
      expect(signature.body[0]).toBe(0) // no unused bits
      const rs = readTlv(signature.body.subarray(1))
      expect(rs.tag).toBe(0x30)
      const [r, s] = children(rs.body)
      for (const n of [r, s]) {
        expect(n.tag).toBe(0x02)
        expect(isMinimal(n.body)).toBe(true)
        expect(decodeInteger(n.body)).toBeGreaterThan(0n)
      }
    }
  })

  it('names every requested host, including compressed and IPv4-mapped IPv6', async () => {
    const dev = await createDevCertificate({
      hosts: ['example.test', '*.dev.test', '10.1.2.3', 'fe80::1:2', '::ffff:10.0.0.1', '2001:db8::'],
    })
    const san = new X509Certificate(dev.cert).subjectAltName ?? ''
    expect(san).toContain('DNS:example.test')
    expect(san).toContain('DNS:*.dev.test')
    expect(san).toContain('IP Address:10.1.2.3')
    expect(san).toMatch(/IP Address:FE80:0:0:0:0:0:1:2\b/i)
    expect(san).toMatch(/IP Address:0:0:0:0:0:FFFF:A00:1\b/i)
    expect(san).toMatch(/IP Address:2001:DB8:0:0:0:0:0:0\b/i)
    expect(san.split(', ')).toHaveLength(6)
  })

  it('rejects bad options with errors that name the value', async () => {
    await expect(createDevCertificate({ days: 0 })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ days: 14 })).rejects.toThrow(/got 14/)
    await expect(createDevCertificate({ days: 14 })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ days: 1.5 })).rejects.toThrow(/got 1\.5/)
    await expect(createDevCertificate({ days: Number.NaN })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ days: '3' as unknown as number })).rejects.toThrow(TypeError)
    await expect(createDevCertificate({ hosts: [] })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ hosts: ['localhost:8080'] })).rejects.toThrow(/"localhost:8080"/)
    await expect(createDevCertificate({ hosts: ['1::2::3'] })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ hosts: ['256.1.1.1'] })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ hosts: ['fe80::1%eth0'] })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ hosts: [42 as unknown as string] })).rejects.toThrow(/got 42/)
    await expect(createDevCertificate({ hosts: 'localhost' as unknown as string[] })).rejects.toThrow(TypeError)
    await expect(createDevCertificate({ now: new Date(Number.NaN) })).rejects.toThrow(RangeError)
    await expect(createDevCertificate({ now: 0 as unknown as Date })).rejects.toThrow(TypeError)
  })

  it('completes a real TLS handshake by name and by IP address', async () => {
    const dev = await createDevCertificate()
    const server = tls.createServer({ cert: dev.cert, key: dev.key }, socket => {
      socket.once('data', byte => socket.end(byte))
    })
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      for (const options of [{ servername: 'localhost' }, {}]) {
        const echoed = await new Promise<Buffer>((resolve, reject) => {
          const socket = tls.connect({ host: '127.0.0.1', port, ca: dev.cert, ...options }, () =>
            socket.write(Buffer.from([42])),
          )
          const chunks: Buffer[] = []
          socket.on('data', chunk => chunks.push(chunk))
          socket.on('end', () => (socket.end(), resolve(Buffer.concat(chunks))))
          socket.on('error', reject)
        })
        expect([...echoed]).toEqual([42])
      }
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  })

  it('refuses a TLS handshake for a host it does not name', async () => {
    const dev = await createDevCertificate({ hosts: ['localhost'] })
    const server = tls.createServer({ cert: dev.cert, key: dev.key }, socket => socket.on('error', () => {}))
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as { port: number }
    try {
      const error = await new Promise<Error>(resolve => {
        const socket = tls.connect({ host: '127.0.0.1', port, ca: dev.cert }, () => socket.destroy())
        socket.on('error', e => (socket.destroy(), resolve(e)))
      })
      expect((error as NodeJS.ErrnoException).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
    } finally {
      await new Promise(resolve => server.close(resolve))
    }
  })

  const hasOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' })
      return true
    } catch {
      return false
    }
  })()

  it.skipIf(!hasOpenssl)('is parsed and verified by the openssl CLI', async () => {
    const dev = await createDevCertificate({ now: new Date() })
    const dir = mkdtempSync(join(tmpdir(), 'devcert-'))
    try {
      const cert = join(dir, 'cert.pem')
      const key = join(dir, 'key.pem')
      writeFileSync(cert, dev.cert)
      writeFileSync(key, dev.key)
      const text = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-text'], { encoding: 'utf8' })
      expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256')
      expect(text).toContain('prime256v1')
      expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/)
      expect(text).toMatch(/Key Usage: critical\s+Digital Signature\n/)
      expect(text).toContain('TLS Web Server Authentication')
      expect(execFileSync('openssl', ['verify', '-CAfile', cert, cert], { encoding: 'utf8' })).toContain(`${cert}: OK`)
      // The key's public half must be the certificate's.
      const fromKey = execFileSync('openssl', ['pkey', '-in', key, '-pubout'], { encoding: 'utf8' })
      const fromCert = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-pubkey'], { encoding: 'utf8' })
      expect(fromKey).toBe(fromCert)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('properties', () => {
  test.prop([fc.bigInt({ min: 0n, max: (1n << 300n) - 1n }), fc.nat({ max: 3 })])(
    'unsigned INTEGERs round-trip, are minimal and never negative, whatever the leading zeros',
    (value, padding) => {
      const encoded = derUnsignedInteger(toBytes(value, padding))
      const { tag, body, end } = readTlv(encoded)
      expect(tag).toBe(0x02)
      expect(end).toBe(encoded.length)
      expect(isMinimal(body)).toBe(true)
      expect(decodeInteger(body)).toBe(value)
    },
  )

  test.prop(
    [
      fc.integer({ min: 1, max: 13 }),
      fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2090-01-01T00:00:00Z'), noInvalidDate: true }),
    ],
    { numRuns: 20 },
  )('the validity span is exactly `days`, across UTCTime and GeneralizedTime', async (days, now) => {
    const dev = await createDevCertificate({ days, now })
    const x509 = new X509Certificate(dev.cert)
    const from = Date.parse(x509.validFrom)
    const to = Date.parse(x509.validTo)
    expect(to - from).toBe(days * DAY_MS)
    expect(from).toBe(dev.notBefore.getTime())
    expect(to).toBe(dev.notAfter.getTime())
    expect(now.getTime() - from).toBeGreaterThanOrEqual(60_000)
    expect(now.getTime() - from).toBeLessThan(61_000)
  })
})
