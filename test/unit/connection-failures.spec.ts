/**
 * The pure parts of `lib/connection/connection-failures.ts`: which errors count as TLS failures, what
 * their message says, and the redaction of `AUTH`/`HELLO` arguments on reply errors.
 */
import {
  describeTlsFailure,
  isTlsFailure,
  redactCommandSecrets,
} from '../../lib/connection/connection-failures.js';

function coded(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('TLS failures', () => {
  it('are recognised by Node and OpenSSL codes, and nothing else', () => {
    expect(isTlsFailure(coded('SELF_SIGNED_CERT_IN_CHAIN', 'x'))).toBe(true);
    expect(isTlsFailure(coded('ERR_TLS_CERT_ALTNAME_INVALID', 'x'))).toBe(true);
    expect(isTlsFailure(coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'x'))).toBe(true);
    expect(isTlsFailure(coded('ECONNRESET', 'read ECONNRESET'))).toBe(false);
    expect(isTlsFailure(coded('ECONNREFUSED', 'x'))).toBe(false);
    expect(isTlsFailure(new Error('Command timed out'))).toBe(false);
  });

  it('say why, on which connection, and which option to check', () => {
    const openssl = coded(
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      '80DC8781377F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116\n',
    );
    expect(describeTlsFailure(openssl, '10.0.0.1:6380/0', 'connectionPoolKwargs.tls')).toBe(
      'TLS handshake with 10.0.0.1:6380/0 failed: tlsv13 alert certificate required ' +
        '(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED); the server requires a client certificate ' +
        '(tls-auth-clients): set connectionPoolKwargs.tls.cert and connectionPoolKwargs.tls.key',
    );
    expect(
      describeTlsFailure(
        coded('UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'unable to get local issuer certificate'),
        'h:1/0',
        'connectionPoolKwargs.tls',
      ),
    ).toMatch(
      /unable to get local issuer certificate \(UNABLE_TO_GET_ISSUER_CERT_LOCALLY\); certificate verify failed: .* connectionPoolKwargs\.tls\.ca$/,
    );
    expect(
      describeTlsFailure(coded('CERT_HAS_EXPIRED', 'certificate has expired'), 'h:1/0', 'x.tls'),
    ).toMatch(/certificate verify failed: the server's certificate is outside its validity period/);
  });
});

describe('redactCommandSecrets', () => {
  it('replaces the password of AUTH and HELLO … AUTH, keeps everything else', () => {
    const auth = { command: { name: 'auth', args: ['app', 'pw'] } };
    redactCommandSecrets(auth);
    expect(auth.command.args).toEqual(['app', '***']);
    const legacy = { command: { name: 'auth', args: ['pw'] } };
    redactCommandSecrets(legacy);
    expect(legacy.command.args).toEqual(['***']);
    const hello = { command: { name: 'hello', args: ['3', 'AUTH', 'app', 'pw', 'SETNAME', 'n'] } };
    redactCommandSecrets(hello);
    expect(hello.command.args).toEqual(['3', 'AUTH', 'app', '***', 'SETNAME', 'n']);
    const get = { command: { name: 'get', args: ['k'] } };
    redactCommandSecrets(get);
    expect(get.command.args).toEqual(['k']);
    expect(() => redactCommandSecrets(new Error('no command'))).not.toThrow();
    expect(() => redactCommandSecrets(null)).not.toThrow();
  });
});
