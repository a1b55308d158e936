package dev.sovra.agent.storage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code qemu-img} (Debian qemu-utils) with a timeout, its stderr kept for the error message, and the
 * percentages of {@code convert -p} turned into progress calls on the caller's thread.
 */
public final class QemuImg {
    private static final Logger log = LoggerFactory.getLogger(QemuImg.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PROGRESS = Pattern.compile("\\((\\d+(?:\\.\\d+)?)/100%\\)");
    private static final int MAX_CAPTURE = 1 << 20;
    private static final long POLL_MILLIS = 200;

    private final String binary;

    /** @param binary the {@code qemu-img} executable, a path or a name found on PATH */
    public QemuImg(String binary) {
        this.binary = binary;
    }

    /** What a finished run printed. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }

        /**
         * True when qemu-img could not take its image lock because another process (a running guest) has the
         * image open for writing: "Failed to get shared "write" lock" / "Failed to get "write" lock".
         */
        public boolean lockConflict() {
            return stderr.contains("\"write\" lock");
        }
    }

    /** Runs qemu-img and returns its output; a non-zero exit becomes a {@link StorageException}. */
    public String run(String uid, String operation, Duration timeout, List<String> args) {
        return requireOk(uid, operation, execute(uid, operation, timeout, args, null)).stdout();
    }

    /** {@code qemu-img info --output=json}; {@code forceShare} ({@code -U}) reads an image a guest has open. */
    public JsonNode info(String uid, String operation, String target, boolean forceShare, Duration timeout) {
        List<String> args = new ArrayList<>(List.of("info", "--output=json"));
        if (forceShare) {
            args.add("-U");
        }
        args.add(target);
        return parseJson(uid, operation, run(uid, operation, timeout, args));
    }

    /** Runs {@code qemu-img convert -p ...}, telling {@code progress} the fraction done as it goes. */
    public void convert(String uid, String operation, Duration timeout, List<String> args,
                        VolumeDriver.ImportProgress progress) {
        requireOk(uid, operation, execute(uid, operation, timeout, args, progress));
    }

    /** An image file an operator imports: its format ({@code qcow2} or {@code raw}) and virtual size in bytes. */
    public record ImageFile(String format, long virtualSize) {
    }

    /**
     * Inspects an operator's image file. Formats other than qcow2 and raw are refused, and so are files that
     * would make qemu-img read other host files (a backing file, an external data file).
     */
    public ImageFile inspectImport(String uid, Path file, Duration timeout) {
        JsonNode info = info(uid, "inspect image file " + file, file.toString(), true, timeout);
        String format = info.path("format").asText("");
        if (!format.equals("qcow2") && !format.equals("raw")) {
            throw new StorageException(uid, "cannot import image " + uid + " from " + file + ": format '" + format
                    + "' is not supported, only qcow2 and raw");
        }
        if (info.has("backing-filename") || info.path("format-specific").path("data").has("data-file")) {
            throw new StorageException(uid, "cannot import image " + uid + " from " + file
                    + ": it refers to other files (a backing or data file); import a self-contained image");
        }
        return new ImageFile(format, info.path("virtual-size").asLong());
    }

    public static JsonNode parseJson(String uid, String operation, String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new StorageException(uid, operation + ": qemu-img printed no valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Runs qemu-img and returns the result whatever its exit code. Throws only when it cannot start, runs
     * past {@code timeout} (it is killed), or the thread is interrupted.
     *
     * @param progress if not null, stdout is read as {@code convert -p} percentages
     */
    public Result execute(String uid, String operation, Duration timeout, List<String> args,
                          VolumeDriver.ImportProgress progress) {
        List<String> command = new ArrayList<>(args.size() + 1);
        command.add(binary);
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().put("LC_ALL", "C"); // error texts are matched (lock conflicts)
        long started = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new StorageException(uid, operation + ": cannot run " + binary + ": " + e.getMessage(), e);
        }
        AtomicLong fraction = new AtomicLong(Double.doubleToLongBits(-1));
        Capture stdout = new Capture(process.getInputStream(), progress == null ? null : fraction);
        Capture stderr = new Capture(process.getErrorStream(), null);
        stdout.start();
        stderr.start();
        double reported = -1;
        try {
            long deadline = started + timeout.toNanos();
            while (!process.waitFor(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
                reported = report(progress, fraction, reported);
                if (System.nanoTime() - deadline > 0) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new StorageException(uid, operation + ": qemu-img " + args.get(0) + " did not finish within "
                            + timeout + ", killed; stderr: " + stderr.text().strip());
                }
            }
            stdout.join(TimeUnit.SECONDS.toMillis(10));
            stderr.join(TimeUnit.SECONDS.toMillis(10));
            report(progress, fraction, reported);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new StorageException(uid, operation + ": interrupted while qemu-img " + args.get(0) + " ran", e);
        }
        Result result = new Result(process.exitValue(), stdout.text(), stderr.text());
        log.debug("qemu-img ran uid={} operation={} command={} exit={} millis={}", uid, operation, args.get(0),
                result.exitCode(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return result;
    }

    private Result requireOk(String uid, String operation, Result result) {
        if (!result.ok()) {
            throw new StorageException(uid, operation + ": qemu-img exited with " + result.exitCode() + ": "
                    + result.stderr().strip());
        }
        return result;
    }

    private static double report(VolumeDriver.ImportProgress progress, AtomicLong fraction, double reported) {
        double now = Double.longBitsToDouble(fraction.get());
        if (progress != null && now > reported) {
            progress.done(Math.min(1.0, now));
            return now;
        }
        return reported;
    }

    /** Drains one output stream of the process so it never blocks on a full pipe. */
    private static final class Capture extends Thread {
        private final InputStream in;
        private final AtomicLong fraction;
        private final StringBuilder text = new StringBuilder();

        Capture(InputStream in, AtomicLong fraction) {
            super("qemu-img-output");
            setDaemon(true);
            this.in = in;
            this.fraction = fraction;
        }

        @Override
        public void run() {
            StringBuilder line = new StringBuilder();
            try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                char[] buffer = new char[4096];
                for (int n = reader.read(buffer); n >= 0; n = reader.read(buffer)) {
                    for (int i = 0; i < n; i++) {
                        char c = buffer[i];
                        if (c == '\r' || c == '\n') {
                            lineDone(line);
                        } else {
                            line.append(c);
                        }
                    }
                    synchronized (text) {
                        if (text.length() < MAX_CAPTURE) {
                            text.append(buffer, 0, Math.min(n, MAX_CAPTURE - text.length()));
                        }
                    }
                }
                lineDone(line);
            } catch (IOException e) {
                // the process died; what was read so far is all there is
            }
        }

        private void lineDone(StringBuilder line) {
            if (fraction != null) {
                Matcher m = PROGRESS.matcher(line);
                if (m.find()) {
                    fraction.set(Double.doubleToLongBits(Double.parseDouble(m.group(1)) / 100.0));
                }
            }
            line.setLength(0);
        }

        String text() {
            synchronized (text) {
                return text.toString();
            }
        }
    }
}
