<?php
// Runs motp_lms.php as an LMS would, against motp-server in sandbox mode on 127.0.0.1:PORT: mint a
// launch token (hash_hmac), read the virtual phone's code, verify it, redeem the receipt with what
// this LMS expects and the API key, and refuse a launch token passed off as a receipt.
//
//     php check_against_sandbox.php PORT
//
// Exits non-zero, naming the step, on any failure.

declare(strict_types=1);

require __DIR__ . '/motp_lms.php';

const TENANT = 'demo';
const SECRET = 'sandbox-demo-secret-not-for-production';
const API_KEY = 'sandbox-demo-api-key-not-for-production';
// The second demo trainee (the Python check uses the first: HRD, and so the sandbox, refuses a code
// twice in one step).
const USRID = 'trainee02', NAME = '김철수', TEL = '01098765432', PIN = '5678';

function fail(string $why): never
{
    fwrite(STDERR, "FAIL (php LMS example): $why\n");
    exit(1);
}

function ok(string $what): void
{
    echo "  ok  $what\n";
}

/** Redeeming must be refused with $status and $error. */
function redeem_refused(string $what, int $status, string $error, string $server, string $receipt,
                        array $expect, string $apiKey = API_KEY): void
{
    try {
        $claims = motp_redeem_receipt($server, TENANT, $apiKey, $receipt, $expect);
    } catch (MotpReceiptRefused $e) {
        if ($e->status !== $status || $e->error !== $error) {
            fail("redeem $what: {$e->getMessage()}, expected $status $error");
        }
        ok("redeem refuses $what: $status $error");
        return;
    }
    fail("redeem accepted $what: " . json_encode($claims));
}

try {
    $port = (int) ($argv[1] ?? 0);
    if ($port <= 0) {
        fail('usage: php check_against_sandbox.php PORT');
    }
    $server = "http://127.0.0.1:$port";
    echo "php LMS example against $server (PHP " . PHP_VERSION . ")\n";

    // 1. The LMS mints a launch token for its logged-in trainee: chapter 3 of study progress.
    $sid = 'php-' . bin2hex(random_bytes(8));
    $token = motp_launch_token(TENANT, SECRET, [
        'sub' => USRID, 'name' => NAME, 'tel' => TEL,
        'course' => 'DEMO-COURSE', 'class' => 'DEMO-COURSE,1',
        'eval_cd' => '01', 'class_tme' => '3', 'sid' => $sid,
    ]);
    $expect = ['sub' => USRID, 'eval_cd' => '01', 'class_tme' => '3', 'sid' => $sid];

    // 2. The trainee reads the code from the phone (here the sandbox's virtual one).
    [$status, $user] = motp_http_json('GET', "$server/hrd/sandbox/users?"
        . http_build_query(['name' => NAME, 'tel' => TEL]));
    if ($status !== 200 || empty($user['device_id'])) {
        fail('sandbox has no phone for ' . NAME . ": $status " . json_encode($user));
    }
    [$status, $shown] = motp_http_json('GET',
        "$server/hrd/sandbox/devices/{$user['device_id']}/code?pin=" . PIN);
    if ($status !== 200 || !isset($shown['code'])) {
        fail("sandbox code: $status " . json_encode($shown));
    }

    // 3. The widget sends it with the launch token, from the LMS page's origin.
    [$status, $verdict] = motp_http_json('POST', "$server/v1/otp/verify", ['code' => $shown['code']],
        ["Authorization: Bearer $token", "Origin: $server"]);
    if ($status !== 200 || ($verdict['result'] ?? null) !== 'verified') {
        fail("verify: $status " . json_encode($verdict));
    }
    $receipt = $verdict['receipt'];
    ok('launch token minted by hash_hmac (HS256) accepted; code verified; receipt received');

    // 4. The LMS server redeems the receipt: with the API key, once, for what it expects.
    redeem_refused('the signing secret as the password', 401, 'unauthorized', $server, $receipt,
        $expect, SECRET);
    redeem_refused('the launch token passed off as a receipt', 422, 'invalid_receipt', $server,
        $token, $expect);
    redeem_refused('it for chapter 4 (and leaves it unspent)', 409, 'receipt_mismatch', $server,
        $receipt, ['class_tme' => '4'] + $expect);
    redeem_refused('it for another trainee', 409, 'receipt_mismatch', $server, $receipt,
        ['sub' => 'trainee01'] + $expect);
    $claims = motp_redeem_receipt($server, TENANT, API_KEY, $receipt, $expect);
    if ($claims['sub'] !== USRID || $claims['eval_cd'] !== '01' || $claims['class_tme'] !== '03'
        || $claims['sid'] !== $sid || $claims['method'] !== 'motp' || $claims['iss'] !== 'motp-server') {
        fail('redeemed claims: ' . json_encode($claims));
    }
    ok("motp_redeem_receipt accepts it (sub {$claims['sub']}, eval_cd {$claims['eval_cd']}, "
        . "class_tme {$claims['class_tme']}, method {$claims['method']})");
    redeem_refused('it a second time', 409, 'receipt_already_redeemed', $server, $receipt, $expect);
} catch (Throwable $e) {
    fail(get_class($e) . ': ' . $e->getMessage());
}
echo "php LMS example: all checks passed\n";
