// What an LMS server needs to use motp-server, in Java 17+: mint a launch token, check a receipt.
// jjwt 0.12: io.jsonwebtoken:jjwt-api, and at run time jjwt-impl with jjwt-jackson (or jjwt-gson).
// Ed25519 (EdDSA) is in the JDK since 15. Not run by `make test` (see ../README.md).

import io.jsonwebtoken.Claims;
import io.jsonwebtoken.JwsHeader;
import io.jsonwebtoken.JwtException;
import io.jsonwebtoken.Jwts;
import io.jsonwebtoken.LocatorAdapter;
import io.jsonwebtoken.UnsupportedJwtException;
import io.jsonwebtoken.security.Jwk;
import io.jsonwebtoken.security.Jwks;
import io.jsonwebtoken.security.Keys;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

public final class MotpLms {
    public static final String LAUNCH_AUDIENCE = "motp-launch";
    public static final String RECEIPT_ISSUER = "motp-server";
    public static final String RECEIPT_TYPE = "motp-receipt+jwt";
    public static final Set<String> RECEIPT_METHODS = Set.of("motp", "phone");

    /** The logged-in trainee, from your member record and session (never from the browser). */
    public record Trainee(String usrid, String name, String tel, String course, String classKey,
                          String evalCd, String classTme, String sid) {}

    /** What a receipt must prove: this trainee, this step, this session. */
    public record Expect(String sub, String evalCd, String classTme, String sid) {}

    /** The receipt proves nothing for this trainee and step: do not record the pass. */
    public static final class ReceiptRefused extends Exception {
        public ReceiptRefused(String message) { super(message); }
    }

    /** A launch token: HS256 under the tenant's signing secret, valid 10 minutes. */
    public static String launchToken(String tenantId, String secret, Trainee t) {
        Instant now = Instant.now();
        return Jwts.builder()
            .issuer(tenantId).audience().add(LAUNCH_AUDIENCE).and().subject(t.usrid())
            .claim("name", t.name()).claim("tel", t.tel())
            .claim("course", t.course()).claim("class", t.classKey())
            .claim("eval_cd", t.evalCd()).claim("class_tme", t.classTme()).claim("sid", t.sid())
            .issuedAt(Date.from(now)).expiration(Date.from(now.plusSeconds(600)))
            .id(UUID.randomUUID().toString())
            .signWith(Keys.hmacShaKeyFor(secret.getBytes(StandardCharsets.UTF_8)), Jwts.SIG.HS256)
            .compact();
    }

    /**
     * The receipt's claims if it proves what {@code expect} says. Checks the header (EdDSA, typ
     * motp-receipt+jwt: a launch token is not a receipt), the signature with the key of its kid
     * from the JWKS, iss, aud (your tenant id), exp, then sub, eval_cd, class_tme, sid and method.
     * Offline it cannot know whether the receipt was used before: keep its jti and refuse one you
     * have seen, or redeem it instead (POST /v1/receipts/redeem).
     */
    public static Claims checkReceipt(String receipt, URI jwksUrl, String tenantId, Expect expect)
            throws ReceiptRefused {
        Claims c;
        try {
            c = Jwts.parser()
                .keyLocator(new LocatorAdapter<Key>() {
                    @Override
                    protected Key locate(JwsHeader h) {
                        if (!"EdDSA".equals(h.getAlgorithm()) || !RECEIPT_TYPE.equals(h.getType())) {
                            throw new UnsupportedJwtException("not a receipt: alg " + h.getAlgorithm()
                                + ", typ " + h.getType());
                        }
                        return receiptKey(jwksUrl, h.getKeyId());
                    }
                })
                .requireIssuer(RECEIPT_ISSUER)
                .requireAudience(tenantId)
                .build()
                .parseSignedClaims(receipt)
                .getPayload();
        } catch (JwtException | IllegalArgumentException e) {
            throw new ReceiptRefused(e.getMessage());
        }
        if (c.getExpiration() == null) {
            throw new ReceiptRefused("no exp");
        }
        Map<String, String> wanted = Map.of(
            "sub", expect.sub(),
            "eval_cd", expect.evalCd(),
            "class_tme", hrdClassTme(expect.evalCd(), expect.classTme()),
            "sid", expect.sid());
        for (Map.Entry<String, String> w : wanted.entrySet()) {
            if (!Objects.equals(c.get(w.getKey()), w.getValue())) {
                throw new ReceiptRefused(w.getKey() + " is " + c.get(w.getKey()) + ", expected " + w.getValue());
            }
        }
        if (!RECEIPT_METHODS.contains(String.valueOf(c.get("method")))) {
            throw new ReceiptRefused("method " + c.get("method"));
        }
        return c;
    }

    /** CLASS_TME as a receipt carries it: "00" for 입과 (00) and 기타 (99); otherwise the chapter
     *  or attempt number, 1 to 999, at least two digits ("3" -> "03", "120" stays "120"). */
    public static String hrdClassTme(String evalCd, String classTme) throws ReceiptRefused {
        String raw = classTme.strip();
        switch (evalCd) {
            case "00", "99" -> {
                if (raw.chars().allMatch(ch -> ch == '0')) return "00";
            }
            case "01", "02", "03", "04" -> {
                if (raw.matches("[0-9]{1,3}") && Integer.parseInt(raw) >= 1) {
                    return String.format("%02d", Integer.parseInt(raw));
                }
            }
            default -> { }
        }
        throw new ReceiptRefused("eval_cd " + evalCd + " with class_tme " + classTme + " is not HRD's");
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private record KeySet(Instant fetched, Map<String, Key> byKid) {}
    private static final Map<URI, KeySet> KEY_SETS = new ConcurrentHashMap<>();

    /** The public key of {@code kid}; the key set is fetched again after 60 s (the server's
     *  Cache-Control) or for a kid it does not have yet (a rotation). */
    static Key receiptKey(URI jwksUrl, String kid) {
        KeySet set = KEY_SETS.get(jwksUrl);
        if (set == null || set.fetched().isBefore(Instant.now().minusSeconds(60)) || !set.byKid().containsKey(kid)) {
            try {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(jwksUrl).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) throw new JwtException("JWKS: HTTP " + r.statusCode());
                Map<String, Key> byKid = new HashMap<>();
                for (Jwk<?> jwk : Jwks.setParser().build().parse(r.body())) {
                    if (jwk.getId() != null) byKid.put(jwk.getId(), jwk.toKey());
                }
                set = new KeySet(Instant.now(), byKid);
                KEY_SETS.put(jwksUrl, set);
            } catch (java.io.IOException | InterruptedException e) {
                if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                throw new JwtException("JWKS: " + e, e);
            }
        }
        Key key = set.byKid().get(kid);
        if (key == null) throw new UnsupportedJwtException("no receipt key " + kid + " in the JWKS");
        return key;
    }
}
