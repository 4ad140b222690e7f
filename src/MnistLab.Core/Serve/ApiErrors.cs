using MnistLab.Common;

namespace MnistLab.Serve;

/// <summary>A request the API cannot take as it is (HTTP 400): the message is one line saying what is wrong with it.</summary>
public sealed class BadRequestException(string message) : MnistLabException(message);

/// <summary>A request names a model, point or image that does not exist (HTTP 404): the message lists the ones that do.</summary>
public sealed class NotFoundException(string message) : MnistLabException(message);
