// The HTTP client Oryx 2 users run: java.net.HttpURLConnection with its defaults (run as `java JavaDefaultClient.java`).
// It sets no Accept and no Content-Type of its own, so the JDK's defaults go on the wire: Accept
// "text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2" and, for a POST with a body,
// Content-Type "application/x-www-form-urlencoded".
// Usage: METHOD URL [BODY [ACCEPT-ENCODING]], where an empty BODY sends none. Prints the status, the Content-Type, the Content-Encoding (or "-")
// and then the body, gunzipped or inflated when it was compressed, as Oryx 2's CompressedResponseTest read it.
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

public class JavaDefaultClient {
  public static void main(String[] args) throws Exception {
    HttpURLConnection connection = (HttpURLConnection) new URL(args[1]).openConnection();
    connection.setRequestMethod(args[0]);
    if (args.length > 3) {
      connection.setRequestProperty("Accept-Encoding", args[3]);
    }
    if (args.length > 2 && !args[2].isEmpty()) {
      connection.setDoOutput(true);
      connection.getOutputStream().write(args[2].getBytes(StandardCharsets.UTF_8));
    }
    int status = connection.getResponseCode();
    String encoding = connection.getContentEncoding();
    InputStream in = status < 400 ? connection.getInputStream() : connection.getErrorStream();
    if (in != null && "gzip".equals(encoding)) {
      in = new GZIPInputStream(in);
    } else if (in != null && "deflate".equals(encoding)) {
      in = new InflaterInputStream(in);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (in != null) {
      in.transferTo(body);
    }
    System.out.println(status);
    System.out.println(connection.getContentType());
    System.out.println(encoding == null ? "-" : encoding);
    System.out.print(body.toString(StandardCharsets.UTF_8));
  }
}
