package org.dynalens.server;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * Encodes response bodies (maps, lists, records, primitive arrays) as JSON. JSON has no NaN or Infinity, and losses
 * are NaN before the first evaluation or after a divergence, so every non-finite float becomes {@code null}.
 */
final class JsonCodec {

    // Schubfach instead of Double.toString: metric series are mostly doubles, and dtoa was a top frame under load
    private static final ObjectMapper MAPPER = JsonMapper.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
            .build().registerModule(nonFiniteAsNull());

    private JsonCodec() {
    }

    static Buffer encode(Object body) {
        try {
            return Buffer.buffer(MAPPER.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response cannot be encoded as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static SimpleModule nonFiniteAsNull() {
        SimpleModule m = new SimpleModule("non-finite-as-null");
        JsonSerializer<Double> doubles = new JsonSerializer<>() {
            @Override
            public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
                writeDouble(g, v);
            }
        };
        JsonSerializer<Float> floats = new JsonSerializer<>() {
            @Override
            public void serialize(Float v, JsonGenerator g, SerializerProvider p) throws IOException {
                writeFloat(g, v);
            }
        };
        m.addSerializer(Double.class, doubles);
        m.addSerializer(double.class, doubles);
        m.addSerializer(Float.class, floats);
        m.addSerializer(float.class, floats);
        m.addSerializer(double[].class, new JsonSerializer<>() {
            @Override
            public void serialize(double[] values, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray(values, values.length);
                for (double v : values) writeDouble(g, v);
                g.writeEndArray();
            }
        });
        m.addSerializer(float[].class, new JsonSerializer<>() {
            @Override
            public void serialize(float[] values, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeStartArray(values, values.length);
                for (float v : values) writeFloat(g, v);
                g.writeEndArray();
            }
        });
        return m;
    }

    private static void writeDouble(JsonGenerator g, double v) throws IOException {
        if (Double.isFinite(v)) g.writeNumber(v);
        else g.writeNull();
    }

    private static void writeFloat(JsonGenerator g, float v) throws IOException {
        if (Float.isFinite(v)) g.writeNumber(v);
        else g.writeNull();
    }
}
