import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

describe('configuration', () => {
  test('works with no variables at all: embedded database in ./data, demo on', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.dataDir, path.resolve('data'));
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.demo, true);
    assert.equal(config.seedDemo, true);
    assert.equal(config.secureCookies, false);
  });

  test('production needs a session secret and a base URL, and refuses demo mode', () => {
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production' }),
      (e: Error) => e instanceof ConfigError && /SESSION_SECRET/.test(e.message) && /BASE_URL/.test(e.message),
    );
    assert.throws(
      () => loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), BASE_URL: 'https://cs.example.org', DEMO: '1' }),
      /DEMO cannot be switched on/,
    );
    const config = loadConfig({ NODE_ENV: 'production', SESSION_SECRET: 'x'.repeat(40), BASE_URL: 'https://cs.example.org/' });
    assert.equal(config.demo, false);
    assert.equal(config.seedDemo, false);
    assert.equal(config.baseUrl, 'https://cs.example.org');
    assert.equal(config.secureCookies, true);
  });

  test('bad values name the variable', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(() => loadConfig({ SESSION_SECRET: 'short' }), /SESSION_SECRET must be at least 32 characters/);
    assert.throws(() => loadConfig({ DEMO: 'maybe' }), /DEMO/);
  });
});

describe('blank variables', () => {
  test('a blank variable means "use the default", as in a copied .env.example', () => {
    const config = loadConfig({ DEMO: '', SEED_DEMO: '', PORT: '', SESSION_SECRET: '', DATABASE_URL: '' });
    assert.equal(config.demo, true);
    assert.equal(config.port, 3000);
    assert.equal(config.databaseUrl, undefined);
  });
});
