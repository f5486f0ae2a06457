package vn.lienthong.appliance.edxml;

import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import javax.xml.XMLConstants;
import javax.xml.parsers.ParserConfigurationException;
import javax.xml.parsers.SAXParser;
import javax.xml.parsers.SAXParserFactory;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;
import org.xml.sax.XMLReader;
import org.xml.sax.helpers.DefaultHandler;

/**
 * Streams an edXML message through the JDK's SAX parser into a small bounded tree of its header
 * elements (attachments' base64 is decoded as it streams, never held as text), then hands the tree
 * to {@link EdxmlValidator} for the QCVN 102:2016 rules.
 */
final class EdxmlReader {

    /**
     * How many stray bytes before {@code <?xml} are ignored. {@code edoc_new.edxml} from the
     * Government Office's SDK starts with {@code 1212}; systems that produced it are in service.
     */
    static final int MAX_STRAY_PREFIX_BYTES = 16;

    private static final int MAX_QUOTED_CHARS = 200;
    static final int MAX_ELEMENT_DEPTH = 100;

    private static final String DOCTYPE_DISALLOWED = "DOCTYPE is disallowed";

    private EdxmlReader() {
    }

    static EdxmlMessage read(byte[] xml, EdxmlLimits limits) {
        if (xml == null || xml.length == 0) {
            throw new EdxmlRejectedException(null, "size", "the document is empty");
        }
        if (xml.length > limits.maxBytes()) {
            throw new EdxmlRejectedException(null, "size", "the document is " + xml.length
                    + " bytes, more than the limit of " + limits.maxBytes() + " bytes");
        }
        return read(new ByteArrayInputStream(xml), limits);
    }

    static EdxmlMessage read(InputStream source, EdxmlLimits limits) {
        EdxmlTreeBuilder tree = new EdxmlTreeBuilder(limits);
        try {
            BufferedInputStream in = new BufferedInputStream(new BoundedInputStream(source, limits.maxBytes()), 8192);
            in.mark(MAX_STRAY_PREFIX_BYTES + 8);
            byte[] head = in.readNBytes(MAX_STRAY_PREFIX_BYTES + 6);
            if (head.length == 0) {
                throw new EdxmlRejectedException(null, "size", "the document is empty");
            }
            in.reset();
            in.skipNBytes(strayPrefixLength(head));
            XMLReader reader = borrowReader();
            reader.setContentHandler(tree);
            reader.setErrorHandler(THROWING);
            reader.parse(new InputSource(in));
            // Only a reader whose parse ended normally goes back; one that threw is dropped.
            giveBack(reader);
        } catch (EdxmlTreeBuilder.Rejection e) {
            throw e.rejection();
        } catch (SAXParseException e) {
            if (tooLarge(e) instanceof TooLarge t) {
                throw t.rejection();
            }
            throw new EdxmlRejectedException(null, rule(e), describe(e), e);
        } catch (SAXException e) {
            if (tooLarge(e) instanceof TooLarge t) {
                throw t.rejection();
            }
            throw new EdxmlRejectedException("the XML parser refused the document: "
                    + shorten(String.valueOf(e.getMessage())), e);
        } catch (TooLarge e) {
            throw e.rejection();
        } catch (IOException e) {
            if (tooLarge(e) instanceof TooLarge t) {
                throw t.rejection();
            }
            // A byte sequence invalid in the declared encoding, or the client's stream broke.
            throw new EdxmlRejectedException(null, "encoding", "the document cannot be decoded in its declared"
                    + " encoding: " + shorten(String.valueOf(e.getMessage())), e);
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK XML parser does not support a required security feature", e);
        } catch (EdxmlRejectedException e) {
            throw e;
        } catch (RuntimeException e) {
            // A fault inside the JDK parser on hostile input is still a refused document, not a server error.
            throw new EdxmlRejectedException("the XML parser could not read the document ("
                    + e.getClass().getSimpleName() + ")", e);
        }
        return EdxmlValidator.message(tree);
    }

    private static Throwable tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) {
                return t;
            }
            if (t instanceof SAXException s && s.getException() instanceof TooLarge large) {
                return large;
            }
        }
        return null;
    }

    private static String rule(SAXParseException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains(DOCTYPE_DISALLOWED)) {
            return "no-dtd";
        }
        return message.startsWith("JAXP") ? "parser-limit" : "well-formed";
    }

    /** Counts the bytes the parser reads and stops at the limit, so an oversized body is never read whole. */
    private static final class BoundedInputStream extends FilterInputStream {
        private final long limit;
        private long count;

        BoundedInputStream(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, (int) Math.min(len, limit - count + 1));
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws TooLarge {
            count += n;
            if (count > limit) {
                throw new TooLarge(limit);
            }
        }
    }

    /** The stream passed the size limit; carried through the parser as an IOException. */
    private static final class TooLarge extends IOException {
        private final long limit;

        TooLarge(long limit) {
            super("more than " + limit + " bytes");
            this.limit = limit;
        }

        EdxmlRejectedException rejection() {
            return new EdxmlRejectedException(null, "size", "the document is more than the limit of " + limit + " bytes");
        }
    }

    /**
     * The number of stray bytes before an XML declaration that is not at the very start. Ignoring
     * them is safe because they are few, plain ASCII letters, digits or whitespace (no markup, so
     * nothing of them can be read as XML by anyone), and what follows them starts with an XML
     * declaration that states its own encoding, so they cannot change how the rest is decoded.
     * Anything else is left for the parser to refuse.
     */
    static int strayPrefixLength(byte[] xml) {
        int limit = Math.min(MAX_STRAY_PREFIX_BYTES, xml.length - 5);
        for (int i = 0; i <= limit; i++) {
            byte b = xml[i];
            if (b == '<') {
                boolean declaration = xml[i + 1] == '?' && xml[i + 2] == 'x' && xml[i + 3] == 'm' && xml[i + 4] == 'l';
                return i > 0 && declaration ? i : 0;
            }
            boolean plain = (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z')
                    || b == ' ' || b == '\t' || b == '\r' || b == '\n';
            if (!plain) {
                return 0;
            }
        }
        return 0;
    }

    /**
     * Configured once: setting a feature on a factory builds a whole parser to try it, which cost
     * more than parsing a 4 KiB document. A factory is not thread-safe, hence the lock around it.
     */
    private static final SAXParserFactory FACTORY = factory();

    private static SAXParserFactory factory() {
        // The JDK's own parser, never one found on the class path, so that these features mean what they say.
        SAXParserFactory factory = SAXParserFactory.newDefaultInstance();
        try {
            factory.setNamespaceAware(true);
            factory.setValidating(false);
            factory.setXIncludeAware(false);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        } catch (ParserConfigurationException | SAXException e) {
            throw new IllegalStateException("the JDK's XML parser refuses a security feature: " + e.getMessage(), e);
        }
        return factory;
    }

    /**
     * Configured readers waiting for a document: making one (a whole parser configuration) cost
     * more than parsing a 4 KiB document. A SAX reader may parse again once a parse has ended (SAX2
     * {@code XMLReader}), with its features and properties kept; never two at once.
     */
    private static final BlockingQueue<XMLReader> IDLE_READERS = new ArrayBlockingQueue<>(64);
    private static final DefaultHandler NO_HANDLER = new DefaultHandler();

    private static XMLReader borrowReader() throws ParserConfigurationException, SAXException {
        XMLReader idle = IDLE_READERS.poll();
        return idle != null ? idle : newParser().getXMLReader();
    }

    private static void giveBack(XMLReader reader) {
        // Let go of the document's tree before the reader waits for the next one.
        reader.setContentHandler(NO_HANDLER);
        IDLE_READERS.offer(reader);
    }

    private static SAXParser newParser() throws ParserConfigurationException, SAXException {
        SAXParser parser;
        synchronized (FACTORY) {
            parser = FACTORY.newSAXParser();
        }
        parser.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        parser.setProperty(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
        parser.setProperty("jdk.xml.maxElementDepth", String.valueOf(MAX_ELEMENT_DEPTH));
        parser.setProperty("jdk.xml.elementAttributeLimit", "100");
        parser.setProperty("jdk.xml.maxXMLNameLimit", "1000");
        // DTDs are refused, so no entity is ever declared; these bounds hold even if that changed.
        parser.setProperty("jdk.xml.entityExpansionLimit", "100");
        parser.setProperty("jdk.xml.totalEntitySizeLimit", "100000");
        parser.setProperty("jdk.xml.maxGeneralEntitySizeLimit", "10000");
        parser.setProperty("jdk.xml.maxParameterEntitySizeLimit", "10000");
        // Messages in English whatever the server's locale, so that operators and tests see the same sentence.
        parser.setProperty("http://apache.org/xml/properties/locale", Locale.ENGLISH);
        return parser;
    }

    private static String describe(SAXParseException e) {
        String message = shorten(String.valueOf(e.getMessage()).strip());
        if (message.contains(DOCTYPE_DISALLOWED)) {
            return "the document has a DOCTYPE: DTDs are not accepted";
        }
        if (message.endsWith(".")) {
            message = message.substring(0, message.length() - 1);
        }
        if (message.startsWith("JAXP")) {
            return "the document exceeds a parser limit at line " + e.getLineNumber() + ": " + message;
        }
        return "not well-formed XML at line " + e.getLineNumber() + ": " + message;
    }

    /**
     * The parser quotes names and text from the document: keep them on one short line, so that a
     * hostile document cannot write a long or multi-line entry into an operator's log.
     */
    static String shorten(String text) {
        String line = text.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= MAX_QUOTED_CHARS ? line : line.substring(0, MAX_QUOTED_CHARS) + "…";
    }

    /** Turns warnings into nothing and errors into exceptions (the default handler prints to stderr). */
    private static final ErrorHandler THROWING = new ErrorHandler() {
        @Override
        public void warning(SAXParseException e) {
        }

        @Override
        public void error(SAXParseException e) throws SAXParseException {
            throw e;
        }

        @Override
        public void fatalError(SAXParseException e) throws SAXParseException {
            throw e;
        }
    };
}
