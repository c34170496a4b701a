<?php
// What an LMS server needs to use motp-server, in PHP: mint a launch token, redeem a receipt.
// No JWT library and no extension beyond PHP's defaults (hash, json, openssl for https): the
// launch token is HS256 by hash_hmac, and the receipt is checked and used up by the server's redeem
// endpoint. Copy this file; check_against_sandbox.php runs it against a sandbox server (make test).

declare(strict_types=1);

const MOTP_LAUNCH_AUDIENCE = 'motp-launch';
const MOTP_RECEIPT_METHODS = ['motp', 'phone'];

/** The receipt proves nothing for this trainee and step: do not record the pass. */
final class MotpReceiptRefused extends RuntimeException
{
    public function __construct(string $message, public readonly int $status = 0,
                                public readonly ?string $error = null)
    {
        parent::__construct($message);
    }
}

function motp_base64url(string $bytes): string
{
    return rtrim(strtr(base64_encode($bytes), '+/', '-_'), '=');
}

/**
 * A launch token for the logged-in trainee: HS256 under the tenant's signing secret.
 * $trainee: sub (USRID), name, tel, course, class, eval_cd, class_tme, sid — from your member
 * record and your session, never from the browser.
 */
function motp_launch_token(string $tenantId, string $secret, array $trainee, int $ttl = 600): string
{
    $now = time();
    $claims = [
        'iss' => $tenantId, 'aud' => MOTP_LAUNCH_AUDIENCE, 'sub' => $trainee['sub'],
        'name' => $trainee['name'], 'tel' => $trainee['tel'],
        'course' => $trainee['course'], 'class' => $trainee['class'],
        'eval_cd' => $trainee['eval_cd'], 'class_tme' => (string) $trainee['class_tme'],
        'sid' => $trainee['sid'],
        'iat' => $now, 'exp' => $now + min($ttl, 900), 'jti' => bin2hex(random_bytes(16)),
    ];
    $json = JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR;
    $signingInput = motp_base64url(json_encode(['alg' => 'HS256', 'typ' => 'JWT'], $json))
        . '.' . motp_base64url(json_encode($claims, $json));
    return $signingInput . '.' . motp_base64url(hash_hmac('sha256', $signingInput, $secret, true));
}

/** [HTTP status, decoded JSON answer] of a JSON request; headers as ['Name: value', …]. */
function motp_http_json(string $method, string $url, ?array $body = null, array $headers = []): array
{
    if ($body !== null) {
        $headers[] = 'Content-Type: application/json';
    }
    $context = stream_context_create(['http' => [
        'method' => $method,
        'header' => implode("\r\n", $headers),
        'content' => $body === null ? '' : json_encode($body, JSON_UNESCAPED_UNICODE | JSON_THROW_ON_ERROR),
        'ignore_errors' => true, // read 4xx answers' bodies too
        'timeout' => 10,
    ]]);
    $answer = @file_get_contents($url, false, $context);
    if ($answer === false || !isset($http_response_header[0])) {
        throw new RuntimeException("motp-server unreachable: $method $url");
    }
    preg_match('{^HTTP/\S+ (\d{3})}', $http_response_header[0], $m);
    return [(int) $m[1], json_decode($answer, true) ?? []];
}

/**
 * Uses the receipt up at motp-server, which checks its signature, typ, iss, aud (your tenant),
 * exp and that it proves $expect (['sub', 'eval_cd', 'class_tme', 'sid']: this trainee, this step,
 * this session). Authenticates with the tenant's API key, never its signing secret.
 * Returns the receipt's claims; throws MotpReceiptRefused with the server's error code otherwise
 * (receipt_mismatch leaves it unspent; receipt_already_redeemed, invalid_receipt, receipt_expired).
 */
function motp_redeem_receipt(string $server, string $tenantId, string $apiKey, string $receipt,
                             array $expect): array
{
    [$status, $answer] = motp_http_json('POST', rtrim($server, '/') . '/v1/receipts/redeem',
        ['receipt' => $receipt, 'expect' => $expect],
        ['Authorization: Basic ' . base64_encode("$tenantId:$apiKey")]);
    if ($status !== 200) {
        $error = $answer['error'] ?? null;
        throw new MotpReceiptRefused("$status $error: " . ($answer['message'] ?? ''), $status, $error);
    }
    $claims = $answer['claims'] ?? [];
    if (($answer['valid'] ?? false) !== true || ($claims['aud'] ?? null) !== $tenantId
        || !in_array($claims['method'] ?? null, MOTP_RECEIPT_METHODS, true)) {
        throw new MotpReceiptRefused('unexpected answer: ' . json_encode($answer), $status);
    }
    return $claims;
}
