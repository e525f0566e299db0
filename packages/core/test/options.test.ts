// The one option model: specs, the resolver, environment names, one error shape.
import { describe, expect, it } from 'vitest';
import {
  type OptionSpec,
  resolveOptions,
  transportEnvNameOf,
  transportEnvSettings,
  validateOptions,
} from '../src/transport/index.js';

const SPECS = {
  size: { type: 'integer', min: 1, max: 10, default: 4, description: 'a size' },
  ratio: { type: 'number', min: 0, max: 1, description: 'a ratio' },
  mode: {
    type: 'string',
    choices: ['a', 'b'],
    default: 'a',
    legacyEnv: 'FUTURES_MODE',
    description: 'a mode',
  },
  label: { type: 'string', nonEmpty: true, description: 'a label' },
  on: { type: 'boolean', default: true, description: 'a switch' },
  tags: { type: 'json', shape: 'record', default: {}, example: '{ "k": "v" }', description: 'tags' },
  args: { type: 'json', shape: 'list', example: '["x"]', description: 'args' },
  limits: {
    type: 'json',
    shape: 'object',
    example: '{ "mb": 1 }',
    check: (v) => (Object.keys(v).every((k) => k === 'mb') ? undefined : 'an object with only the key mb'),
    description: 'limits',
  },
  timeout: { type: 'integer', min: 0, retiredEnv: 'FUTURES_TIMEOUT', description: 'a timeout' },
} as const satisfies Record<string, OptionSpec>;

function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('did not throw');
}

describe('the option model', () => {
  it('fills defaults, keeps given values, and copies default objects', () => {
    const a = resolveOptions<Record<string, unknown>>({ size: 7 }, SPECS, 'demo()');
    expect(a).toEqual({ size: 7, mode: 'a', on: true, tags: {} });
    (a.tags as Record<string, string>).x = 'changed';
    expect(resolveOptions<Record<string, unknown>>(undefined, SPECS, 'demo()').tags).toEqual({});
  });

  it('every invalid value is a TypeError or RangeError with one code, naming the option, its source and the fix', () => {
    const cases: [Record<string, unknown>, typeof TypeError | typeof RangeError, RegExp][] = [
      [{ size: 1.5 }, TypeError, /size \(from option "size" of demo\(\)\) must be an integer, got 1\.5/],
      [{ size: 11 }, RangeError, /size .* must be an integer <= 10, got 11/],
      [{ size: 0 }, RangeError, /size .* must be an integer >= 1/],
      [{ ratio: 2 }, RangeError, /ratio .* must be a number <= 1/],
      [{ mode: 'c' }, RangeError, /mode .* must be one of a, b, got "c"/],
      [{ label: '' }, TypeError, /label .* must be a non-empty string/],
      [{ on: 'yes' }, TypeError, /on .* must be a boolean/],
      [{ tags: { k: 1 } }, TypeError, /tags .* must be an object of strings, e\.g\. \{ "k": "v" \}/],
      [{ args: 'x' }, TypeError, /args .* must be an array of strings/],
      [{ limits: { gb: 1 } }, TypeError, /limits .* must be an object with only the key mb/],
      [
        { sise: 4 },
        TypeError,
        /unknown option "sise" \(from option "sise" of demo\(\)\) for demo\(\); its options are: size/,
      ],
    ];
    for (const [options, kind, message] of cases) {
      const error = thrown(() => resolveOptions(options, SPECS, 'demo()'));
      expect(error).toBeInstanceOf(kind);
      expect(error.code).toBe('ERR_FUTURES_INVALID_OPTION');
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/Fix: /);
    }
    expect(thrown(() => resolveOptions(5, SPECS, 'demo()')).message).toMatch(
      /the options of demo\(\) must be an object, got number/,
    );
  });

  it('parses environment strings by type', () => {
    const env = (value: string) => ({ value, source: 'environment variable FUTURES_X' });
    expect(
      validateOptions(
        { size: env('3'), on: env('off'), tags: env('{"a":"b"}'), args: env('["-x"]') },
        SPECS,
        'demo',
      ),
    ).toEqual({ size: 3, on: false, tags: { a: 'b' }, args: ['-x'] });
    expect(() => validateOptions({ size: env('three') }, SPECS, 'demo')).toThrow(
      /size \(from environment variable FUTURES_X\) must be an integer, got "three"/,
    );
    expect(() => validateOptions({ tags: env('{nope') }, SPECS, 'demo')).toThrow(/must be valid JSON/);
  });

  it('names transport variables FUTURES_<TRANSPORT>_<OPTION>, without repeating the transport', () => {
    expect(transportEnvNameOf('shm', 'ringBytes')).toBe('FUTURES_SHM_RING_BYTES');
    expect(transportEnvNameOf('mpi', 'mpiMode')).toBe('FUTURES_MPI_MODE');
    expect(transportEnvNameOf('zmq', 'heartbeatTimeout')).toBe('FUTURES_ZMQ_HEARTBEAT_TIMEOUT');
    expect(transportEnvNameOf('my-gpu', 'deviceCount')).toBe('FUTURES_MY_GPU_DEVICE_COUNT');
  });

  it('reads the new variable first, a legacy one with a warning, and refuses a retired one', async () => {
    expect(transportEnvSettings('demo', SPECS, { FUTURES_DEMO_SIZE: '5', FUTURES_MODE: 'b' })).toEqual({
      size: { value: '5', source: 'environment variable FUTURES_DEMO_SIZE' },
      mode: { value: 'b', source: 'environment variable FUTURES_MODE' },
    });
    // the new name wins over the old one
    expect(transportEnvSettings('demo', SPECS, { FUTURES_DEMO_MODE: 'a', FUTURES_MODE: 'b' }).mode).toEqual({
      value: 'a',
      source: 'environment variable FUTURES_DEMO_MODE',
    });
    const error = thrown(() => transportEnvSettings('demo', SPECS, { FUTURES_TIMEOUT: '5' }));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.code).toBe('ERR_FUTURES_INVALID_OPTION');
    expect(error.message).toMatch(/FUTURES_TIMEOUT is no longer read.*Fix: set FUTURES_DEMO_TIMEOUT/);
    // the retired name is harmless once the new one is set
    expect(
      transportEnvSettings('demo', SPECS, { FUTURES_TIMEOUT: '5', FUTURES_DEMO_TIMEOUT: '6' }).timeout,
    ).toEqual({ value: '6', source: 'environment variable FUTURES_DEMO_TIMEOUT' });
  });
});
