package dev.triplane.infra.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A throw-away certificate authority and two certificates it signed, as PKCS12 stores for Kafka's TLS and PEM for
 * other clients: {@code broker.p12} (for {@code 127.0.0.1} and {@code localhost}, server and client use: the broker
 * also connects to itself), {@code client.p12} (client use, for mutual TLS), {@code truststore.p12} and
 * {@code ca.pem} (the CA). All stores share one random password. Valid two days: for tests and local runs only.
 *
 * <p>Made with the running JDK's {@code keytool} (13 short runs, the two certificates' side by side: a few seconds): no library is needed, where
 * generating in-process would take BouncyCastle's PKIX module (the JDK has no public certificate-signing API).
 *
 * @param dir      the folder holding the files
 * @param password the password of every store and key
 */
public record LocalCertificates(Path dir, String password) {

    private static final String VALIDITY_DAYS = "2";

    /** Generates the CA and the certificates into {@code dir} (created if missing). */
    public static LocalCertificates generate(Path dir) throws IOException {
        Path folder = Files.createDirectories(dir.toAbsolutePath());
        byte[] random = new byte[16];
        new SecureRandom().nextBytes(random);
        LocalCertificates certificates = new LocalCertificates(folder, HexFormat.of().formatHex(random));
        certificates.keytool("-genkeypair", "-alias", "ca", "-dname", "CN=TriPlane local CA", "-ext", "bc:c",
                "-keystore", "ca.p12");
        certificates.keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-file", "ca.pem");
        certificates.keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem",
                "-keystore", "truststore.p12");
        // the two certificates side by side: each is five keytool runs, each run mostly JVM start-up
        CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
            try {
                certificates.signed("client", "EKU=clientAuth");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        certificates.signed("broker", "SAN=ip:127.0.0.1,dns:localhost", "EKU=serverAuth,clientAuth");
        try {
            client.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof UncheckedIOException u ? u.getCause() : new IOException(e.getCause());
        }
        return certificates;
    }

    /** The broker's key and certificate chain. */
    public Path brokerKeyStore() {
        return dir.resolve("broker.p12");
    }

    /** A client's key and certificate chain (CN=client), for mutual TLS. */
    public Path clientKeyStore() {
        return dir.resolve("client.p12");
    }

    /** The CA, as a PKCS12 trust store. */
    public Path trustStore() {
        return dir.resolve("truststore.p12");
    }

    /** The CA, as PEM. */
    public Path caPem() {
        return dir.resolve("ca.pem");
    }

    @Override
    public String toString() {
        return "LocalCertificates[" + dir + "]";
    }

    /** A key pair in {@code name.p12} whose certificate the CA signed with {@code extensions}, chain included. */
    private void signed(String name, String... extensions) throws IOException {
        String store = name + ".p12";
        keytool("-genkeypair", "-alias", name, "-dname", "CN=" + name, "-keystore", store);
        keytool("-certreq", "-alias", name, "-keystore", store, "-file", name + ".csr");
        List<String> sign = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", "ca.p12",
                "-infile", name + ".csr", "-outfile", name + ".pem"));
        for (String extension : extensions) {
            sign.add("-ext");
            sign.add(extension);
        }
        keytool(sign.toArray(String[]::new));
        // keytool imports a signed certificate only onto a chain it can verify: the CA first
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", "ca.pem", "-keystore", store);
        keytool("-importcert", "-alias", name, "-file", name + ".pem", "-keystore", store);
    }

    private void keytool(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool")
                .toString(), "-J-XX:TieredStopAtLevel=1"));
        command.addAll(List.of(args));
        // EC P-256 keys: generated at once, where RSA takes a noticeable while per key
        if (args[0].equals("-genkeypair")) {
            command.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", VALIDITY_DAYS));
        }
        if (args[0].equals("-gencert")) {
            command.addAll(List.of("-validity", VALIDITY_DAYS));
        }
        command.addAll(List.of("-storetype", "PKCS12", "-storepass", password, "-keypass", password));
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (process.waitFor() != 0) {
                throw new IOException("keytool " + args[0] + " failed: " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
