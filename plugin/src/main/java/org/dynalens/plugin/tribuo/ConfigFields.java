package org.dynalens.plugin.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.Configurable;

import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The OLCUT {@link Config} fields of a configurable class as plain data, e.g. to generate a launch form. Each field
 * is a map with {@code name} (the property name in OLCUT config files), {@code type} ({@code int}, {@code long},
 * {@code double}, {@code boolean}, {@code string}, {@code path} or {@code enum}), {@code values} (enums only),
 * {@code default} (the value of a freshly constructed instance, as a JSON-compatible value; absent when null),
 * {@code description} and {@code mandatory}. Fields are listed in declaration order, superclass fields first.
 */
public final class ConfigFields {

    private ConfigFields() {
    }

    public static List<Map<String, Object>> describe(Class<? extends Configurable> type) {
        Object fresh = freshInstance(type);
        List<Class<?>> chain = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) chain.add(0, c);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Class<?> c : chain) {
            for (Field f : c.getDeclaredFields()) {
                Config config = f.getAnnotation(Config.class);
                if (config == null || Modifier.isStatic(f.getModifiers())) continue;
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", f.getName());
                m.put("type", typeName(f.getType()));
                if (f.getType().isEnum()) {
                    m.put("values", Arrays.stream(f.getType().getEnumConstants()).map(Object::toString).toList());
                }
                Object value = defaultValue(f, fresh);
                if (value != null) m.put("default", value);
                m.put("description", config.description());
                m.put("mandatory", config.mandatory());
                out.add(m);
            }
        }
        return out;
    }

    private static String typeName(Class<?> t) {
        if (t == int.class || t == Integer.class) return "int";
        if (t == long.class || t == Long.class) return "long";
        if (t == double.class || t == Double.class || t == float.class || t == Float.class) return "double";
        if (t == boolean.class || t == Boolean.class) return "boolean";
        if (t == String.class) return "string";
        if (Path.class.isAssignableFrom(t) || t == java.io.File.class) return "path";
        if (t.isEnum()) return "enum";
        return t.getSimpleName();
    }

    private static Object defaultValue(Field f, Object fresh) {
        try {
            f.setAccessible(true);
            Object v = f.get(fresh);
            if (v == null || v instanceof Number || v instanceof Boolean || v instanceof String) return v;
            return v.toString();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot read config field " + f.getName(), e);
        }
    }

    private static Object freshInstance(Class<?> type) {
        try {
            Constructor<?> c = type.getDeclaredConstructor();
            c.setAccessible(true);
            return c.newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException(type.getName() + " has no no-argument constructor (OLCUT needs one)", e);
        }
    }
}
