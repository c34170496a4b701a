<?php
// The PHP page an LMS runs today for a code check, as public LMS pages do it: build HRD's form,
// POST it to otp_accredit with curl, write a log row with PDO SQLite, answer the browser in JSON.
// The baseline motp-server is compared with in `make bench` (crates/e2e/src/bin/motp-bench.rs),
// served by Debian's php-fpm behind nginx. Not part of the product: no token, no limits, no lock
// mirror, and it trusts the name and mobile the browser posts (mistake 2 of the HRD spec's list).
//
// Settings come from the FPM pool's environment: HRD_URL, AGTID and LOG_DB.

header('Content-Type: application/json; charset=utf-8');
if ($_SERVER['REQUEST_METHOD'] !== 'POST' || !isset($_POST['code'], $_POST['usrid'], $_POST['name'], $_POST['tel'])) {
    http_response_code(400);
    echo json_encode(['result' => 'bad_request']);
    exit;
}
$code = $_POST['code'];
if (!preg_match('/^[0-9]{6}$/', $code)) {
    http_response_code(422);
    echo json_encode(['result' => 'invalid_input']);
    exit;
}
$usrid = $_POST['usrid'];
$evalCd = $_POST['eval_cd'] ?? '01';
$classTme = $_POST['class_tme'] ?? '01';
$now = (new DateTime('now', new DateTimeZone('Asia/Seoul')))->format('Y-m-d H:i:s');
$form = [
    'USER_NM' => $_POST['name'],
    'USER_TEL' => $_POST['tel'],
    'OTPNO' => $code,
    'AGTID' => getenv('AGTID'),
    'USRID' => $usrid,
    'SESSIONID' => session_id() ?: 'S',
    'EXIP' => $_SERVER['REMOTE_ADDR'],
    'COURSE_AGENT_PK' => $_POST['course'] ?? 'C',
    'CLASS_AGENT_PK' => $_POST['class'] ?? 'C,1',
    'EVAL_CD' => $evalCd,
    'EVAL_TYPE' => '진도',
    'CLASS_TME' => $classTme,
    'USRDT' => $now,
    'UT' => $now,
];

// One curl handle a request, as these pages do (PHP keeps nothing between requests).
$ch = curl_init(getenv('HRD_URL') . '/api/v2/otp_accredit');
curl_setopt_array($ch, [
    CURLOPT_POST => true,
    CURLOPT_POSTFIELDS => http_build_query($form),
    CURLOPT_RETURNTRANSFER => true,
    CURLOPT_TIMEOUT => 10,
    CURLOPT_CONNECTTIMEOUT => 3,
]);
$body = curl_exec($ch);
$status = curl_getinfo($ch, CURLINFO_RESPONSE_CODE);
curl_close($ch);
$answer = $body === false ? null : json_decode($body, true);
$hrdCode = is_array($answer) && isset($answer['code']) ? (string)$answer['code'] : 'HRD_DOWN';

// The log row, committed before the answer, as motp-server's audit line is. WAL and
// synchronous=NORMAL: the same durability as the gateway's SQLite.
$db = new PDO('sqlite:' . getenv('LOG_DB'));
$db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
$db->exec('PRAGMA busy_timeout = 5000');
$db->exec('PRAGMA synchronous = NORMAL');
$insert = $db->prepare('INSERT INTO otp_log (at, usrid, eval_cd, class_tme, hrd_code, ip) VALUES (?, ?, ?, ?, ?, ?)');
$insert->execute([$now, $usrid, $evalCd, $classTme, $hrdCode, $_SERVER['REMOTE_ADDR']]);

$result = match ($hrdCode) {
    '200' => 'verified',
    'AP001' => 'wrong_code',
    'AP009' => 'locked',
    'HRD_DOWN' => 'hrd_unavailable',
    default => 'refused',
};
if ($status >= 500 || $hrdCode === 'HRD_DOWN') {
    http_response_code(502);
}
echo json_encode(['result' => $result, 'hrd_code' => $hrdCode]);
