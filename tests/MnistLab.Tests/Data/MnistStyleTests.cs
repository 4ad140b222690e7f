using MnistLab.Data;

namespace MnistLab.Tests.Data;

/// <summary>The drawing-to-MNIST recipe on shapes whose answer is known: where the ink goes, how big it gets, how much of it there is.</summary>
public class MnistStyleTests
{
    static float[] Rectangle(int side, int x0, int y0, int width, int height)
    {
        var drawing = new float[side * side];
        for (int y = y0; y < y0 + height; y++)
            for (int x = x0; x < x0 + width; x++)
                drawing[y * side + x] = 1;
        return drawing;
    }

    static (int X0, int X1, int Y0, int Y1, double Mass, double Cx, double Cy) Measure(float[] image)
    {
        int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
        double mass = 0, mx = 0, my = 0;
        for (int y = 0; y < 28; y++)
            for (int x = 0; x < 28; x++)
            {
                float v = image[y * 28 + x];
                if (v <= 0) continue;
                (x0, x1, y0, y1) = (Math.Min(x0, x), Math.Max(x1, x), Math.Min(y0, y), Math.Max(y1, y));
                mass += v; mx += v * x; my += v * y;
            }
        return (x0, x1, y0, y1, mass, mx / mass, my / mass);
    }

    [Fact]
    public void A_tall_bar_anywhere_on_the_canvas_becomes_20_pixels_tall_keeps_its_aspect_and_sits_at_the_centre()
    {
        // 50 x 200 canvas pixels, off-centre: scaled by 20/200 to 5 x 20, every target pixel fully covered.
        var image = MnistStyle.FromDrawing(Rectangle(280, 10, 70, 50, 200), 280);
        var m = Measure(image);
        Assert.Equal(20, m.Y1 - m.Y0 + 1);
        Assert.Equal(5, m.X1 - m.X0 + 1);
        Assert.Equal(100, m.Mass, 1e-3);
        Assert.InRange(m.Cx, 13.0, 14.0);
        Assert.InRange(m.Cy, 13.0, 14.0);
        Assert.All(image, v => Assert.InRange(v, 0f, 1f));
    }

    [Fact]
    public void Shrinking_averages_the_area_each_pixel_covers_so_ink_is_conserved_in_proportion()
    {
        // A 280-wide box of which the left half is inked: 20 columns of which 10 are ink, and the total mass is the
        // inked share of the box (half of 20 x 20).
        var drawing = Rectangle(280, 0, 0, 140, 280);
        drawing[279 * 280 + 279] = 1e-6f; // a faint dot in the far corner widens the box to the whole canvas
        var m = Measure(MnistStyle.FromDrawing(drawing, 280));
        Assert.Equal(200, m.Mass, 1e-2);
        Assert.Equal(20, m.Y1 - m.Y0 + 1);
    }

    [Fact]
    public void A_small_drawing_is_scaled_up_to_the_box()
    {
        var m = Measure(MnistStyle.FromDrawing(Rectangle(28, 12, 10, 2, 8), 28));
        Assert.Equal(20, m.Y1 - m.Y0 + 1);
        Assert.Equal(5, m.X1 - m.X0 + 1);
    }

    [Fact]
    public void A_blank_drawing_is_a_blank_image_and_a_wrong_size_is_refused()
    {
        Assert.All(MnistStyle.FromDrawing(new float[280 * 280], 280), v => Assert.Equal(0f, v));
        Assert.Throws<ArgumentException>(() => MnistStyle.FromDrawing(new float[100], 280));
    }
}
