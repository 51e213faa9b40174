package probe;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;

/**
 * A Java handler run by the Java runtime interface client under the emulator. It records
 * what reached it in a file, as tests/e2e/handlers/probe.py does for Python. A stream
 * handler takes the event's bytes as they came, so nothing is re-encoded on the way.
 */
public final class Probe implements RequestStreamHandler {
    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        input.transferTo(buffer);
        String event = buffer.toString(StandardCharsets.UTF_8);
        String line = "{\"request_id\": \"" + context.getAwsRequestId() + "\", \"event\": " + event + "}\n";
        Files.write(
                Paths.get(System.getenv("PROBE_RECEIVED_FILE")),
                line.getBytes(StandardCharsets.UTF_8),
                StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        output.write(("{\"handled\": " + event + "}").getBytes(StandardCharsets.UTF_8));
    }
}
