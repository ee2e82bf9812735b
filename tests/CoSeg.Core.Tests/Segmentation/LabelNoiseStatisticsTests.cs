using CoSeg.Segmentation.Benchmark;

namespace CoSeg.Tests.Segmentation;

public class LabelNoiseStatisticsTests
{
    [Fact]
    public void ClassifiesEachSegmentsFate()
    {
        // four segments of 25 px: 1 intact, 2 relabelled to 3, 3 half void, 4 dropped; one void pixel in the truth.
        var clean = new int[101]; var noisy = new int[101];
        for (int i = 0; i < 100; i++) clean[i] = 1 + i / 25;
        for (int i = 0; i < 100; i++)
            noisy[i] = clean[i] switch { 1 => 1, 2 => 3, 3 => i % 25 < 12 ? 0 : 3, _ => 0 };
        noisy[100] = 2;   // void in the truth: not scored
        var v = LabelNoiseStatistics.View(clean, noisy);
        Assert.Equal(SegmentOutcome.Intact, v.Outcomes[1]);
        Assert.Equal(SegmentOutcome.Wrong, v.Outcomes[2]);
        Assert.Equal(SegmentOutcome.Partial, v.Outcomes[3]);
        Assert.Equal(SegmentOutcome.Dropped, v.Outcomes[4]);
        Assert.Equal((25 + 13) / 100.0, v.Accuracy, 10);

        var s = LabelNoiseStatistics.Summarise(new[] { (clean, noisy), (clean, (int[])clean.Clone()) });
        Assert.Equal(0.5, s.ViewsWithWrong);
        Assert.Equal(0.5, s.ViewsWithDropped);
        Assert.Equal(0.5, s.ViewsMostlyWrong);
        Assert.Equal(0.5, s.WrongBySegment[2]);
        Assert.Equal(0.0, s.WrongBySegment[1]);
        Assert.Equal((25 + 13) / 50.0, s.AccuracyBySegment[3], 10);
        Assert.Equal(1.0, s.PurityBySegment[3], 10);   // void pixels cast no vote
        Assert.Equal(0.5, s.PurityBySegment[2], 10);
        Assert.Equal(1.0, s.PurityBySegment[4], 10);
    }

    [Fact]
    public void RejectsMismatchedViews()
    {
        Assert.Throws<ArgumentException>(() => LabelNoiseStatistics.View(new int[3], new int[4]));
        Assert.Throws<ArgumentException>(() => LabelNoiseStatistics.Summarise(Array.Empty<(int[], int[])>()));
    }
}
